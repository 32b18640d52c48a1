using Doorbuster.ServiceDefaults;

namespace Doorbuster.Api.FrontDoor;

/// <summary>Collects validation errors keyed by field name, for one 400 problem with an <c>errors</c> object.</summary>
public sealed class RequestErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool Any => _errors.Count > 0;

    public RequestErrors Require(bool condition, string field, string message)
    {
        if (!condition)
        {
            if (!_errors.TryGetValue(field, out var messages))
            {
                _errors[field] = messages = [];
            }

            messages.Add(message);
        }

        return this;
    }

    public RequestErrors RequireId(string field, string? value) => Require(Identifiers.IsValid(value), field, $"'{field}' must be {Identifiers.Rule}.");

    /// <summary>Requires a value between <paramref name="min"/> and <paramref name="max"/>.</summary>
    public RequestErrors RequireRange(string field, long? value, long min, long max) =>
        value is null
            ? Require(false, field, $"'{field}' is required.")
            : Require(value >= min && value <= max, field, $"'{field}' must be between {min} and {max}.");

    public ValidationProblem ToProblem() =>
        TypedResults.ValidationProblem(
            _errors.ToDictionary(entry => entry.Key, entry => entry.Value.ToArray()),
            detail: $"Invalid: {string.Join(", ", _errors.Keys)}. The errors object says why.",
            title: "The request is invalid.",
            type: ProblemTypes.For("validation"));
}
