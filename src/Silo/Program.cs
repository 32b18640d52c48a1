using Doorbuster.ServiceDefaults;
using Doorbuster.Silo.Hosting;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddDoorbusterSilo();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapSiloDashboard();

app.Run();
