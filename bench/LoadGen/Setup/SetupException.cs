namespace Doorbuster.LoadGen.Setup;

/// <summary>Setup could not prepare the run (wrong admin key, server down, contract mismatch): nothing was measured.</summary>
public sealed class SetupException(string message) : Exception(message);
