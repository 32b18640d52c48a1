using Doorbuster.Baseline.Hosting;

var builder = BaselineHost.CreateBuilder(args);
builder.AddBaseline();

var app = builder.Build();
app.MapBaseline();
app.Run();
