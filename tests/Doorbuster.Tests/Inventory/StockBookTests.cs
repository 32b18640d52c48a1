using Doorbuster.Inventory;

namespace Doorbuster.Tests.Inventory;

/// <summary>The stock rules in memory, without a cluster: every movement keeps the invariant, and a write holds only what changed.</summary>
public sealed class StockBookTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 6, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(1);
    private static readonly CheckoutAttempt First = new(1);
    private static readonly CheckoutAttempt Second = new(2);

    private static HoldKey Hold(string orderId, CheckoutAttempt? attempt = null) => new(orderId, attempt ?? First);

    private static StockBook EmptyBook() =>
        StockBook.From(new StoredStock(0, 0, 0, 0, 0, new Dictionary<HoldKey, Reservation>()), Grace);

    [Fact]
    public void TenThousandRandomMovementsNeverBreakTheInvariantNorOversell()
    {
        var random = new Random(1127);
        var book = EmptyBook();
        var holds = Enumerable.Range(0, 200).Select(i => Hold($"o{i % 100}", new CheckoutAttempt((ulong)(i / 100) + 1))).ToArray();
        for (var step = 0; step < 10_000; step++)
        {
            var hold = holds[random.Next(holds.Length)];
            switch (random.Next(5))
            {
                case 0:
                    book.Restock(random.Next(1, 5));
                    break;
                case 1 or 2:
                    book.Reserve(hold, random.Next(1, 10), Now.AddMinutes(10), Now);
                    break;
                case 3:
                    book.Confirm(hold, random.Next(1, 10), Now);
                    break;
                default:
                    book.Release(hold);
                    break;
            }

            Assert.True(book.Available + book.Reserved + book.Sold == book.TotalRestocked, $"step {step}: invariant broken");
            Assert.True(book.Available >= 0 && book.Reserved >= 0 && book.Sold >= 0, $"step {step}: negative stock");
        }
    }

    [Fact]
    public void AWriteCarriesOnlyTheHoldsTouchedSinceTheLastWrite()
    {
        var held = Enumerable.Range(0, 100_000).ToDictionary(i => Hold($"old-{i}"), _ => new Reservation(1, Now.AddMinutes(10)));
        var book = StockBook.From(new StoredStock(7, 10, 100_000, 0, 100_010, held), Grace);

        book.Reserve(Hold("new-1"), 2, Now.AddMinutes(10), Now);
        book.Confirm(Hold("old-5"), 1, Now);
        book.Release(Hold("old-6"));
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
        book.Reserve(Hold("early"), 1, Now.AddMinutes(1), Now);
        book.Reserve(Hold("late"), 1, Now.AddMinutes(5), Now);

        Assert.Empty(book.TakeDue(Now.AddMinutes(1), max: 10));
        var due = book.TakeDue(Now.AddMinutes(1) + Grace, max: 10);

        Assert.Equal(Hold("early"), Assert.Single(due).Key);
        Assert.Empty(book.TakeDue(Now.AddMinutes(2), max: 10));
    }

    [Fact]
    public void AHoldTheOrderKeepsIsBroughtBackWhenItSaysAndAConfirmedOneIsForgottenOnlyAfterItsMemory()
    {
        var book = EmptyBook();
        book.Restock(10);
        book.Reserve(Hold("kept"), 1, Now.AddMinutes(1), Now);
        book.Reserve(Hold("paid"), 1, Now.AddMinutes(1), Now);
        var due = book.TakeDue(Now.AddMinutes(2), max: 10);

        book.AskAgainAt(Hold("kept"), due.Single(d => d.Key == Hold("kept")).Hold, Now.AddMinutes(3));
        Assert.Equal(HoldOutcome.Confirmed, book.Confirm(Hold("paid"), 1, Now.AddMinutes(2)));

        Assert.Empty(book.TakeDue(Now.AddMinutes(2), max: 10));
        Assert.Equal(Hold("kept"), Assert.Single(book.TakeDue(Now.AddMinutes(3), max: 10)).Key);
        Assert.Equal(HoldOutcome.AlreadyConfirmed, book.Confirm(Hold("paid"), 1, Now.AddMinutes(3)));

        // Confirmed at 2 min, past the hold's expiry: remembered from then on, then forgotten without asking anyone.
        Assert.Empty(book.TakeDue(Now.AddMinutes(2) + Holds.ConfirmationMemory - TimeSpan.FromSeconds(1), max: 10));
        Assert.True(book.TryGetEntry(Hold("paid"), out _));
        Assert.Empty(book.TakeDue(Now.AddMinutes(2) + Holds.ConfirmationMemory, max: 10));
        Assert.False(book.TryGetEntry(Hold("paid"), out _));
        Assert.Equal(HoldOutcome.NotHeld, book.Confirm(Hold("paid"), 1, Now.AddMinutes(20)));
        Assert.Equal((8L, 1L, 1L), (book.Available, book.Reserved, book.Sold));
    }

    [Fact]
    public void AnAttemptTouchesItsOwnHoldAndNoOtherOfTheSameOrder()
    {
        var book = EmptyBook();
        book.Restock(10);
        book.Reserve(Hold("order", First), 3, Now.AddMinutes(10), Now);

        // A second attempt of the order neither re-times nor lowers the first's hold: it holds its own.
        Assert.Equal(ReservationOutcome.Reserved, book.Reserve(Hold("order", Second), 2, Now.AddMinutes(20), Now));
        Assert.True(book.TryGetEntry(Hold("order", First), out var first));
        Assert.Equal(new Reservation(3, Now.AddMinutes(10)), first);
        Assert.Equal((5L, 5L), (book.Available, book.Reserved));

        // Its release returns its own units only; the first attempt's hold is sold in full.
        Assert.Equal(HoldOutcome.Released, book.Release(Hold("order", Second)));
        Assert.Equal(HoldOutcome.Confirmed, book.Confirm(Hold("order", First), 3, Now));
        Assert.Equal(HoldOutcome.NotHeld, book.Confirm(Hold("order", Second), 2, Now));
        Assert.Equal((7L, 0L, 3L), (book.Available, book.Reserved, book.Sold));

        // A late reservation of the confirmed attempt holds nothing again.
        Assert.Equal(ReservationOutcome.AlreadyReserved, book.Reserve(Hold("order", First), 3, Now.AddMinutes(10), Now));
        Assert.Equal((7L, 0L, 3L), (book.Available, book.Reserved, book.Sold));
    }

    [Fact]
    public void APaymentSellsExactlyTheOrdersLineWhateverTheHoldSays()
    {
        // Holds of the earlier release may differ from their order's line (two activations once reserved for different carts).
        var book = StockBook.From(new StoredStock(1, 6, 4, 0, 10, new Dictionary<HoldKey, Reservation>
        {
            [HoldKey.FromField("held-more")] = new(3, Now.AddMinutes(10)),
            [HoldKey.FromField("held-less")] = new(1, Now.AddMinutes(10)),
        }), Grace);

        Assert.Equal(HoldOutcome.Confirmed, book.Confirm(new HoldKey("held-more", CheckoutAttempt.EarlierRelease), 1, Now));
        Assert.Equal((8L, 1L, 1L), (book.Available, book.Reserved, book.Sold));
        Assert.Equal(HoldOutcome.Confirmed, book.Confirm(new HoldKey("held-less", CheckoutAttempt.EarlierRelease), 2, Now));
        Assert.Equal((7L, 0L, 3L), (book.Available, book.Reserved, book.Sold));

        // Never beyond what exists: a line held short with nothing available sells what was held.
        var empty = StockBook.From(new StoredStock(1, 0, 1, 9, 10, new Dictionary<HoldKey, Reservation> { [Hold("short")] = new(1, Now.AddMinutes(10)) }), Grace);
        Assert.Equal(HoldOutcome.ConfirmedShort, empty.Confirm(Hold("short"), 2, Now));
        Assert.Equal((0L, 0L, 10L), (empty.Available, empty.Reserved, empty.Sold));
    }

    [Fact]
    public void HoldFieldsAndValuesReadBackAsTheyWereWrittenByEitherRelease()
    {
        var attempt = new CheckoutAttempt(0xfedcba9876543210);
        Assert.Equal("o-1:fedcba9876543210", new HoldKey("o-1", attempt).Field);
        Assert.Equal(new HoldKey("o-1", attempt), HoldKey.FromField("o-1:fedcba9876543210"));
        Assert.Equal(new HoldKey("o-1", CheckoutAttempt.EarlierRelease), HoldKey.FromField("o-1"));

        var confirmed = new Reservation(2, Now, Confirmed: true);
        Assert.Equal(confirmed, Reservation.Decode(confirmed.Encode()));
        Assert.Equal(new Reservation(2, Now), Reservation.Decode($"2:{Now.ToUnixTimeMilliseconds()}"));
    }

    [Fact]
    public void ASweepForgetsNoMoreConfirmationsThanTheNextWriteHasRoomFor()
    {
        var book = EmptyBook();
        book.Restock(10);
        for (var i = 0; i < 10; i++)
        {
            book.Reserve(Hold($"paid-{i}"), 1, Now.AddMinutes(1), Now);
            book.Confirm(Hold($"paid-{i}"), 1, Now);
        }

        book.TakeWrite();
        var due = book.TakeDue(Now + Holds.ConfirmationMemory, max: 100, room: 3);

        Assert.Empty(due);
        Assert.Equal(3, book.PendingChanges);
        Assert.Equal(7, book.EntryCount);
    }

    [Fact]
    public void AFieldAWriteSetsIsNotAlsoPurgedByIt()
    {
        var book = StockBook.From(
            new StoredStock(1, 0, 0, 0, 0, new Dictionary<HoldKey, Reservation>(), Purge: ["!truck-1", "o-9:0000000000000001", "o-7"]), Grace);

        book.Restock(5);
        book.RecordRestock("truck-1", new RestockRecord(5, 5, 0, 0, 5, Now));
        book.Reserve(Hold("o-9"), 1, Now.AddMinutes(1), Now);

        Assert.Equal(["o-7"], book.TakeWrite().Purge!);
    }
}
