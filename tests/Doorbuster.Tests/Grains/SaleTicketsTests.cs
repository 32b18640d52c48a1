using Doorbuster.Sales;

namespace Doorbuster.Tests.Grains;

/// <summary>Where a ticket's place stands in the queue once the pre-queue is drawn.</summary>
public sealed class SaleTicketsTests
{
    [Fact]
    public void APreQueueLongerThanTheDrawOrdersKeepsItsLastPlacesInArrivalOrderBehindTheDrawnOnes()
    {
        // Arrange: five places more than the draw orders, and two joined after the start.
        var draw = new PrequeueDraw(PrequeueOrder.MaxCount + 5, Seed: 42);

        // Act
        var drawn = new[] { -1L, -2, -PrequeueOrder.MaxCount }.Select(place => SaleTickets.PositionOf(place, draw)).ToArray();
        var beyond = new[] { -(PrequeueOrder.MaxCount + 1L), -(PrequeueOrder.MaxCount + 5L) }.Select(place => SaleTickets.PositionOf(place, draw)).ToArray();
        var afterTheStart = SaleTickets.PositionOf(1, draw);

        // Assert: the drawn places among the first MaxCount positions, each its own; the rest after them, in turn.
        Assert.All(drawn, position => Assert.InRange(position!.Value, 1, PrequeueOrder.MaxCount));
        Assert.Equal(3, drawn.Distinct().Count());
        Assert.Equal([PrequeueOrder.MaxCount + 1L, PrequeueOrder.MaxCount + 5L], beyond);
        Assert.Equal(PrequeueOrder.MaxCount + 6L, afterTheStart);
        Assert.Null(SaleTickets.PositionOf(-(PrequeueOrder.MaxCount + 6L), draw));
    }

    [Fact]
    public void ADrawsOrderIsComputedOnceHoweverManyAskAtOnce()
    {
        var draw = new PrequeueDraw(100_000, Seed: 7);

        var orders = Enumerable.Range(0, 16).AsParallel().Select(_ => PrequeueOrder.Of(draw)).ToArray();

        Assert.All(orders, order => Assert.Same(orders[0], order));
    }
}
