using System.Security.Cryptography;
using System.Text;

namespace Doorbuster.ServiceDefaults.Admin;

/// <summary>The admin key (configuration <c>Admin:ApiKey</c>, environment <c>Admin__ApiKey</c>).</summary>
public sealed class AdminOptions
{
    public const string SectionName = "Admin";

    /// <summary>The header that carries the key.</summary>
    public const string HeaderName = "X-Api-Key";

    public string? ApiKey { get; set; }

    /// <summary>
    /// True when <paramref name="presented"/> equals the configured key. Compared in constant time over
    /// hashes, so neither the content nor the length of the key leaks through timing. No key: never true.
    /// </summary>
    public bool Accepts(string? presented)
    {
        if (string.IsNullOrEmpty(ApiKey) || string.IsNullOrEmpty(presented))
        {
            return false;
        }

        var expected = SHA256.HashData(Encoding.UTF8.GetBytes(ApiKey));
        var actual = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        return CryptographicOperations.FixedTimeEquals(expected, actual);
    }
}
