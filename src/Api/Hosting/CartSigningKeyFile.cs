using System.Security.Cryptography;

namespace Doorbuster.Api.Hosting;

/// <summary>
/// The cart signing key of embedded mode, kept with its data: carts issued before a restart stay valid
/// after it. In memory, a key for this run only.
/// </summary>
internal static class CartSigningKeyFile
{
    private const string FileName = "cart-signing.key";

    public static string LoadOrCreate(string? dataPath)
    {
        if (dataPath is null)
        {
            return NewKey();
        }

        var path = Path.Combine(dataPath, FileName);
        if (File.Exists(path))
        {
            return File.ReadAllText(path).Trim();
        }

        var key = NewKey();
        File.WriteAllText(path, key);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return key;
    }

    private static string NewKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
}
