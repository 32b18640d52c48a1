using Doorbuster.Api.Carts;
using Doorbuster.Api.Catalog;
using Doorbuster.Api.FrontDoor;
using Doorbuster.Api.Hosting;
using Doorbuster.Api.Inventory;
using Doorbuster.Api.Orders;
using Doorbuster.Api.Sales;
using Doorbuster.ServiceDefaults;

var builder = WebApplication.CreateBuilder(EmbeddedMode.ExpandSwitches(args));

builder.AddServiceDefaults();
builder.AddDoorbusterOrleans();
builder.AddFrontDoor();
builder.AddCatalog();
builder.AddCarts();
builder.AddSales();

var app = builder.Build();

app.UseFrontDoor();
app.MapDefaultEndpoints();
app.MapCatalogApi();
app.MapInventoryApi();
app.MapCartApi();
app.MapOrderApi();
app.MapSaleApi();

app.Run();

/// <summary>The Api's entry point, visible to the test host.</summary>
public partial class Program;
