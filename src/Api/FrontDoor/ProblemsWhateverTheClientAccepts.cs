namespace Doorbuster.Api.FrontDoor;

/// <summary>
/// Writes a problem document for a client whose <c>Accept</c> rules JSON out. ASP.NET Core's own writer declines
/// such a client, and then an error has an empty body (or a status code page's plain text, or — where the writer
/// is required, as for the request timeout — throws); the contract says every error is a problem document.
/// Registered after ASP.NET Core's writer, so it only ever sees what that one declined: it writes the document as
/// if the client had not said, through that same writer (its defaults, the front door's customisation, its JSON).
/// </summary>
public sealed class ProblemsWhateverTheClientAccepts : IProblemDetailsWriter
{
    private static readonly object Reentered = new();

    public bool CanWrite(ProblemDetailsContext context) => true;

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var http = context.HttpContext;
        if (!http.Items.TryAdd(Reentered, true))
        {
            // ASP.NET Core's writer declined even without an Accept (or runs after this one): write it plainly,
            // rather than come back here for ever.
            return new ValueTask(http.Response.WriteAsJsonAsync(context.ProblemDetails, options: null, contentType: "application/problem+json"));
        }

        // An error response is what is left to write: the request's Accept has no other use by now.
        http.Request.Headers.Accept = default;
        return http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(context);
    }
}
