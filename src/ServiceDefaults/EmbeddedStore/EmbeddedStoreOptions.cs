namespace Doorbuster.ServiceDefaults.EmbeddedStore;

/// <summary>
/// The in-process Redis-protocol store of embedded mode (configuration section <c>Embedded</c>, e.g.
/// <c>Embedded__DataPath</c>; the command-line switch <c>--in-memory</c> sets <see cref="InMemory"/>).
/// </summary>
public sealed class EmbeddedStoreOptions
{
    public const string SectionName = "Embedded";

    /// <summary>The folder of the append-only file and checkpoints. Empty: <see cref="DefaultDataPath"/>.</summary>
    public string? DataPath { get; set; }

    /// <summary>A throwaway run: nothing is written to disk and everything is gone on exit.</summary>
    public bool InMemory { get; set; }

    /// <summary>The loopback port of the store; 0 picks a free one.</summary>
    public int Port { get; set; }

    /// <summary>Per-user application data, so that a run from any folder finds the same data.</summary>
    public static string DefaultDataPath =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "doorbuster", "embedded");
}
