using System.Globalization;

namespace Doorbuster.Baseline.Http;

/// <summary>
/// Money is stored in Redis as invariant text with two decimals ("19.99") and parsed back to a decimal
/// whose scale is two, so that it serializes as a JSON number with two decimals.
/// </summary>
public static class Money
{
    public const string DefaultCurrency = "USD";

    public static readonly decimal Zero = 0.00m;

    public static string Format(decimal amount) => amount.ToString("0.00", CultureInfo.InvariantCulture);

    public static decimal Parse(string text) => decimal.Parse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
}
