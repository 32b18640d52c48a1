using System.ComponentModel;
using System.Globalization;

namespace Doorbuster.LoadGen.Cli;

/// <summary>
/// Parses the durations of the command line: <c>500ms</c>, <c>20s</c>, <c>2m</c>, <c>1h</c>, a bare number of
/// seconds, or a <see cref="TimeSpan"/> such as <c>00:00:20</c>.
/// </summary>
public sealed class DurationConverter : TypeConverter
{
    public override bool CanConvertFrom(ITypeDescriptorContext? context, Type sourceType) =>
        sourceType == typeof(string) || base.CanConvertFrom(context, sourceType);

    public override object? ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value) =>
        value is string text ? Parse(text) : base.ConvertFrom(context, culture, value);

    public static TimeSpan Parse(string text)
    {
        var value = text.Trim();
        (string number, double scale) = value switch
        {
            _ when value.EndsWith("ms", StringComparison.OrdinalIgnoreCase) => (value[..^2], 0.001),
            _ when value.EndsWith('s') || value.EndsWith('S') => (value[..^1], 1.0),
            _ when value.EndsWith('m') || value.EndsWith('M') => (value[..^1], 60.0),
            _ when value.EndsWith('h') || value.EndsWith('H') => (value[..^1], 3600.0),
            _ => (value, 1.0),
        };
        if (double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) && amount >= 0)
        {
            return TimeSpan.FromSeconds(amount * scale);
        }

        if (TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero)
        {
            return span;
        }

        throw new FormatException($"'{text}' is not a duration; write for example 500ms, 20s, 2m or 00:00:20.");
    }
}
