using Doorbuster.Inventory;
using Doorbuster.Orders;

namespace Doorbuster.Tests.Inventory;

/// <summary>
/// A property of one sku's stock book under the checkout protocol, with the messages of every attempt delivered
/// in random order: many attempts per order (each reads its own view of the cart), one of them wins the order
/// write, the others lose or are abandoned mid-way; releases and confirmations arrive late or never; orders are
/// paid, cancelled or left to expire, and the sweep does what <see cref="ExpiredHolds.Decide"/> says. Whatever
/// the interleaving: <c>sold + reserved + available = total</c> at every step, every paid line is sold exactly
/// once, and once every deadline has passed no hold is left.
/// </summary>
public sealed class InterleavedAttemptsTests
{
    private const string Sku = "sku";
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(1);

    [Theory]
    [MemberData(nameof(Seeds))]
    public void NoInterleavingOfAttemptsSellsAPaidLineTwiceOrNeverOrKeepsAHoldWithoutALiveAttempt(int seed)
    {
        var run = new Run(new Random(seed));
        for (var step = 0; step < 3_000; step++)
        {
            run.Step();
            run.AssertInvariant(step);
        }

        run.Finish();

        Assert.Equal(run.PaidUnits, run.Book.Sold);
        Assert.Equal(0, run.Book.Reserved);
        Assert.Equal(0, run.Book.EntryCount);
        Assert.True(run.Paid > 10 && run.Lost > 10, $"seed {seed}: the run should pay and lose attempts (paid {run.Paid}, lost {run.Lost})");
    }

    public static TheoryData<int> Seeds() => [.. Enumerable.Range(1, 25)];

    private sealed class Run(Random random)
    {
        private readonly List<Action> _inFlight = [];
        private readonly Dictionary<string, OrderState> _orders = [];
        private DateTimeOffset _now = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

        public StockBook Book { get; } = StockBook.From(new StoredStock(0, 0, 0, 0, 0, new Dictionary<HoldKey, Reservation>()), Grace);

        public long PaidUnits => _orders.Values.Where(o => o.Status == OrderStatus.Paid).Sum(o => o.Lines.Sum(l => (long)l.Quantity));

        public int Paid => _orders.Values.Count(o => o.Status == OrderStatus.Paid);

        public int Lost { get; private set; }

        public void Step()
        {
            switch (random.Next(10))
            {
                case 0:
                    Book.Restock(random.Next(1, 8));
                    break;
                case 1 or 2 or 3:
                    StartAttempt($"o-{random.Next(800)}");
                    break;
                case 4 or 5 or 6:
                    DeliverOne();
                    break;
                case 7:
                    Pay(RandomOrder());
                    break;
                case 8:
                    Cancel(RandomOrder());
                    break;
                default:
                    _now += TimeSpan.FromSeconds(random.Next(0, 90));
                    Sweep();
                    break;
            }
        }

        public void Finish()
        {
            while (_inFlight.Count > 0)
            {
                DeliverOne();
            }

            for (var i = 0; i < 4; i++)
            {
                _now += Window + Holds.ConfirmationMemory;
                Sweep();
            }
        }

        public void AssertInvariant(int step)
        {
            Assert.True(Book.Available + Book.Reserved + Book.Sold == Book.TotalRestocked, $"step {step}: invariant broken");
            Assert.True(Book.Available >= 0 && Book.Reserved >= 0 && Book.Sold >= 0, $"step {step}: negative stock");
            foreach (var (orderId, order) in _orders.Where(o => o.Value.Status == OrderStatus.PendingPayment && o.Value.Lines.Length > 0))
            {
                // The attempt an unpaid order names holds exactly its line until the order is settled.
                Assert.True(
                    Book.TryGetEntry(new HoldKey(orderId, order.Attempt), out var hold) && hold is { Confirmed: false } && hold.Quantity == order.Lines[0].Quantity,
                    $"step {step}: order {orderId} lost the hold of its attempt {order.Attempt}");
            }
        }

        /// <summary>
        /// One checkout attempt: it holds what its view of the cart says (sometimes no line of this sku), then
        /// tries the order write. It may be abandoned before it gets there (its silo died): its hold stays.
        /// </summary>
        private void StartAttempt(string orderId)
        {
            var attempt = CheckoutAttempt.New();
            var quantity = random.Next(0, 4);
            var expiresAt = _now + Window;
            _inFlight.Add(() =>
            {
                var holds = quantity == 0 || Book.Reserve(new HoldKey(orderId, attempt), quantity, expiresAt, _now)
                    is ReservationOutcome.Reserved or ReservationOutcome.AlreadyReserved;
                if (random.Next(6) == 0)
                {
                    return; // abandoned
                }

                var order = _orders.GetValueOrDefault(orderId);
                if (holds && order is null)
                {
                    _orders[orderId] = new OrderState
                    {
                        Status = OrderStatus.PendingPayment,
                        Lines = quantity == 0 ? [] : [new OrderLine(Sku, Sku, 1m, quantity)],
                        ExpiresAt = expiresAt,
                        Attempt = attempt,
                    };
                    return;
                }

                Lost++;
                Send(() => Book.Release(new HoldKey(orderId, attempt)));
            });
        }

        private void Pay(string? orderId)
        {
            if (orderId is not null && Expire(orderId) is { Status: OrderStatus.PendingPayment } order)
            {
                order.Status = OrderStatus.Paid;
                foreach (var line in order.Lines)
                {
                    Send(() => Book.Confirm(new HoldKey(orderId, order.Attempt), line.Quantity, _now));
                }
            }
        }

        private void Cancel(string? orderId)
        {
            if (orderId is not null && Expire(orderId) is { Status: OrderStatus.PendingPayment } order)
            {
                order.Status = OrderStatus.Cancelled;
                Send(() => Book.Release(new HoldKey(orderId, order.Attempt)));
            }
        }

        /// <summary>The order as it reads now: one unpaid past its deadline is expired, and its release sent.</summary>
        private OrderState? Expire(string orderId)
        {
            var order = _orders.GetValueOrDefault(orderId);
            if (order is { Status: OrderStatus.PendingPayment } && _now >= order.ExpiresAt)
            {
                order.Status = OrderStatus.Expired;
                Send(() => Book.Release(new HoldKey(orderId, order.Attempt)));
            }

            return order;
        }

        private void Sweep()
        {
            foreach (var (key, hold) in Book.TakeDue(_now, int.MaxValue))
            {
                var order = Expire(key.OrderId) ?? new OrderState();
                var decision = ExpiredHolds.Decide(order, Sku, key.Attempt);
                switch (decision.Verdict)
                {
                    case ReservationVerdict.Release:
                        Book.Release(key);
                        break;
                    case ReservationVerdict.Confirm:
                        Book.Confirm(key, decision.Quantity, _now);
                        break;
                    default:
                        Book.AskAgainAt(key, hold, decision.HoldUntil + Grace);
                        break;
                }
            }
        }

        /// <summary>A message that arrives later, in any order, or is lost (then the sweep must make up for it).</summary>
        private void Send(Action message)
        {
            if (random.Next(5) != 0)
            {
                _inFlight.Add(message);
            }
        }

        private void DeliverOne()
        {
            if (_inFlight.Count > 0)
            {
                var index = random.Next(_inFlight.Count);
                var message = _inFlight[index];
                _inFlight.RemoveAt(index);
                message();
            }
        }

        /// <summary>Mostly an order awaiting payment (now and then any order, to repeat what was done).</summary>
        private string? RandomOrder()
        {
            var candidates = random.Next(4) == 0
                ? _orders.Keys.ToList()
                : _orders.Where(o => o.Value.Status == OrderStatus.PendingPayment).Select(o => o.Key).ToList();
            return candidates.Count == 0 ? null : candidates[random.Next(candidates.Count)];
        }
    }
}
