using Microsoft.Extensions.Configuration;

namespace Doorbuster.ServiceDefaults.Redis;

/// <summary>
/// <c>ConnectionStrings__Redis</c> as both hosts read it: absent is a choice (the Api's embedded mode; a silo
/// refuses), but present and blank is a mistake, and the start fails saying so. A Kubernetes Secret or a compose
/// file filled from an unset shell variable gives exactly that blank value, and taking it for "absent" would
/// run a production Api on a private store of its own, cut off from the cluster and its data.
/// </summary>
public static class RedisConnectionString
{
    /// <summary>The variable's name as an operator sets it, for messages.</summary>
    public const string VariableName = "ConnectionStrings__Redis";

    /// <summary>The configured connection string, or <c>null</c> when none is configured at all.</summary>
    /// <exception cref="InvalidOperationException">The setting is present but empty or white space.</exception>
    public static string? Read(IConfiguration configuration)
    {
        // An environment variable set to nothing is kept as "", an absent one is null.
        var value = configuration.GetSection("ConnectionStrings:Redis").Value;
        if (value is not null && string.IsNullOrWhiteSpace(value))
        {
            throw new InvalidOperationException(
                $"{VariableName} is set but empty. Set it to the Redis connection string, or remove the variable " +
                "altogether (only the Api runs without it, in embedded mode on a store of its own).");
        }

        return value;
    }
}
