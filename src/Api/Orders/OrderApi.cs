namespace Doorbuster.Api.Orders;

public static class OrderApi
{
    public static IEndpointRouteBuilder MapOrderApi(this IEndpointRouteBuilder app) => app;
}
