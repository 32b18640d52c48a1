using System.Security.Cryptography;
using System.Text;

namespace Doorbuster.Baseline.Http;

/// <summary>The admin key (configuration <c>Admin:ApiKey</c>, environment <c>Admin__ApiKey</c>).</summary>
public sealed class AdminOptions
{
    public const string SectionName = "Admin";

    public const string HeaderName = "X-Api-Key";

    public string? ApiKey { get; set; }

    /// <summary>
    /// True when <paramref name="presented"/> is the configured key, compared in constant time over SHA-256
    /// digests so that neither content nor length leaks. Without a configured key nobody is admin.
    /// </summary>
    public bool Accepts(string? presented)
    {
        if (string.IsNullOrEmpty(ApiKey) || string.IsNullOrEmpty(presented))
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[SHA256.HashSizeInBytes];
        Span<byte> actual = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(ApiKey), expected);
        SHA256.HashData(Encoding.UTF8.GetBytes(presented), actual);
        return CryptographicOperations.FixedTimeEquals(expected, actual);
    }
}
