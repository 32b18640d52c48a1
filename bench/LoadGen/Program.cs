using Doorbuster.LoadGen.Cli;
using Spectre.Console.Cli;

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // The first Ctrl+C ends the run cleanly (in-flight requests drain, reports are written); a second one kills.
    e.Cancel = !stop.IsCancellationRequested;
    stop.Cancel();
};

var app = new CommandApp();
app.Configure(LoadGenCommands.Register);
return await app.RunAsync(args, stop.Token);
