namespace Doorbuster.Api.FrontDoor.OpenApi;

/// <summary>The OpenAPI document's settings (configuration section <c>OpenApi</c>, e.g. <c>OpenApi__ServerUrl</c>).</summary>
public sealed class OpenApiOptions
{
    public const string SectionName = "OpenApi";

    /// <summary>
    /// The public base address of this deployment (<c>https://shop.example</c>), advertised as the document's server;
    /// unset: <c>/</c>, the address the document was fetched from. Never taken from a request's <c>Host</c> header.
    /// </summary>
    public Uri? ServerUrl { get; set; }
}
