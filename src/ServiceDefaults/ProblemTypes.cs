namespace Doorbuster.ServiceDefaults;

/// <summary>
/// The <c>type</c> URIs of Doorbuster's problem documents: a stable base and a slug that clients can
/// switch on (for example <c>insufficient-stock</c>).
/// </summary>
public static class ProblemTypes
{
    public const string Base = "https://doorbuster.dev/problems/";

    public static string For(string slug) => Base + slug;
}
