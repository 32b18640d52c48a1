using Spectre.Console;

namespace Doorbuster.LoadGen.Reporting;

/// <summary>Whether the console can redraw (a terminal) or gets plain lines (CI logs, a pipe, a file).</summary>
public static class ConsoleMode
{
    static ConsoleMode()
    {
        // A log has no width; Spectre's default of 80 columns would fold the result tables beyond reading.
        if (Console.IsOutputRedirected && AnsiConsole.Profile.Width < 180)
        {
            AnsiConsole.Profile.Width = 180;
        }
    }

    public static bool Interactive { get; } =
        !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive && AnsiConsole.Profile.Capabilities.Ansi;

    /// <summary>How often a plain progress line is printed when the console cannot redraw.</summary>
    public static TimeSpan PlainInterval { get; } = TimeSpan.FromSeconds(5);

    public static void Line(string markup) => AnsiConsole.MarkupLine(markup);
}
