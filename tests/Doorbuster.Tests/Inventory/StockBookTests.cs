using Doorbuster.Inventory;

namespace Doorbuster.Tests.Inventory;

/// <summary>The stock rules in memory, without a cluster: every movement keeps the invariant, and a write holds only what changed.</summary>
public sealed class StockBookTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 6, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(1);

    private static StockBook EmptyBook() =>
        StockBook.From(new StoredStock(0, 0, 0, 0, 0, new Dictionary<string, Reservation>()), Grace);

    [Fact]
    public void TenThousandRandomMovementsNeverBreakTheInvariantNorOversell()
    {
        var random = new Random(1127);
        var book = EmptyBook();
        var orders = Enumerable.Range(0, 200).Select(i => $"o{i}").ToArray();
        for (var step = 0; step < 10_000; step++)
        {
            var order = orders[random.Next(orders.Length)];
            switch (random.Next(5))
            {
                case 0:
                    book.Restock(random.Next(1, 5));
                    break;
                case 1 or 2:
                    book.Reserve(order, random.Next(1, 10), Now.AddMinutes(10), Now);
                    break;
                case 3:
                    book.Confirm(order, random.Next(1, 10));
                    break;
                default:
                    book.Release(order);
                    break;
            }

            Assert.True(book.Available + book.Reserved + book.Sold == book.TotalRestocked, $"step {step}: invariant broken");
            Assert.True(book.Available >= 0 && book.Reserved >= 0 && book.Sold >= 0, $"step {step}: negative stock");
        }
    }

    [Fact]
    public void AWriteCarriesOnlyTheReservationsTouchedSinceTheLastWrite()
    {
        var held = Enumerable.Range(0, 100_000).ToDictionary(i => $"old-{i}", _ => new Reservation(1, Now.AddMinutes(10)));
        var book = StockBook.From(new StoredStock(7, 10, 100_000, 0, 100_010, held), Grace);

        book.Reserve("new-1", 2, Now.AddMinutes(10), Now);
        book.Confirm("old-5", 1);
        book.Release("old-6");
        var write = book.TakeWrite();

        Assert.Equal(7, write.ExpectedVersion);
        Assert.Equal(3, write.Holds.Count);
        Assert.Equal((9L, 100_000L, 1L, 100_010L), (write.Available, write.Reserved, write.Sold, write.TotalRestocked));
        Assert.Empty(book.TakeWrite().Holds);
    }

    [Fact]
    public void OnlyHoldsPastTheirExpiryAndGraceAreBroughtToTheirOrders()
    {
        var book = EmptyBook();
        book.Restock(10);
        book.Reserve("early", 1, Now.AddMinutes(1), Now);
        book.Reserve("late", 1, Now.AddMinutes(5), Now);

        Assert.Empty(book.TakeDue(Now.AddMinutes(1), max: 10));
        var due = book.TakeDue(Now.AddMinutes(1) + Grace, max: 10);

        Assert.Equal("early", Assert.Single(due).OrderId);
        Assert.Empty(book.TakeDue(Now.AddMinutes(2), max: 10));
    }

    [Fact]
    public void AHoldTheOrderKeepsIsBroughtBackWhenItSaysAndASettledOneNever()
    {
        var book = EmptyBook();
        book.Restock(10);
        book.Reserve("kept", 1, Now.AddMinutes(1), Now);
        book.Reserve("paid", 1, Now.AddMinutes(1), Now);
        var due = book.TakeDue(Now.AddMinutes(2), max: 10);

        book.AskAgainAt("kept", due.Single(d => d.OrderId == "kept").Hold, Now.AddMinutes(3));
        book.Confirm("paid", 1);

        Assert.Empty(book.TakeDue(Now.AddMinutes(2), max: 10));
        Assert.Equal("kept", Assert.Single(book.TakeDue(Now.AddMinutes(3), max: 10)).OrderId);
    }

    [Fact]
    public void ReservingAgainExtendsTheHoldButNeverShortensIt()
    {
        var book = EmptyBook();
        book.Restock(10);
        book.Reserve("order", 2, Now.AddMinutes(10), Now);

        Assert.Equal(ReservationOutcome.AlreadyReserved, book.Reserve("order", 2, Now.AddMinutes(5), Now));
        Assert.True(book.TryGetHold("order", out var hold));
        Assert.Equal(Now.AddMinutes(10), hold.ExpiresAt);
        Assert.Equal(ReservationOutcome.AlreadyReserved, book.Reserve("order", 2, Now.AddMinutes(20), Now));
        Assert.True(book.TryGetHold("order", out hold));
        Assert.Equal(Now.AddMinutes(20), hold.ExpiresAt);
        Assert.Equal(8, book.Available);
    }

    [Fact]
    public void APaymentSellsExactlyTheOrdersLineWhateverTheHoldSays()
    {
        // Holds that differ from the order's line: two activations of one order reserved for different carts.
        var book = StockBook.From(new StoredStock(1, 6, 4, 0, 10, new Dictionary<string, Reservation>
        {
            ["held-more"] = new(3, Now.AddMinutes(10)),
            ["held-less"] = new(1, Now.AddMinutes(10)),
        }), Grace);

        Assert.Equal(SettlementOutcome.Confirmed, book.Confirm("held-more", 1));
        Assert.Equal((8L, 1L, 1L), (book.Available, book.Reserved, book.Sold));
        Assert.Equal(SettlementOutcome.Confirmed, book.Confirm("held-less", 2));
        Assert.Equal((7L, 0L, 3L), (book.Available, book.Reserved, book.Sold));

        // Never beyond what exists: a line held short with nothing available sells what was held.
        var empty = StockBook.From(new StoredStock(1, 0, 1, 9, 10, new Dictionary<string, Reservation> { ["short"] = new(1, Now.AddMinutes(10)) }), Grace);
        Assert.Equal(SettlementOutcome.ConfirmedShort, empty.Confirm("short", 2));
        Assert.Equal((0L, 0L, 10L), (empty.Available, empty.Reserved, empty.Sold));
    }
}
