using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Doorbuster.Api.FrontDoor.OpenApi;

/// <summary>
/// Makes <c>required</c> say what the contract requires. Request records have nullable positional fields so
/// that a missing one is reported as a validation error instead of defaulted; the generator reads every
/// positional field as required and nullable, which is true of neither. A request type that marks its
/// required fields with <see cref="RequiredAttribute"/> requires exactly those, and they are not nullable
/// (the Api refuses a null for them with a 400). Every problem document carries
/// <c>type</c>, <c>title</c>, <c>status</c> and <c>detail</c>. Money (<see cref="decimal"/>) gets the format
/// <c>decimal</c>.
/// </summary>
internal sealed class RequiredFieldsSchemaTransformer : IOpenApiSchemaTransformer
{
    private static readonly string[] ProblemFields = ["type", "title", "status", "detail"];

    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        // Money is decimal, and a generator reads the format to give it a decimal type rather than a double.
        if (context.JsonTypeInfo.Type == typeof(decimal) || context.JsonTypeInfo.Type == typeof(decimal?))
        {
            schema.Format = "decimal";
        }

        // An enum is written as its names (JsonStringEnumConverter): a string with those values.
        if (context.JsonPropertyInfo is null && context.JsonTypeInfo.Type.IsEnum)
        {
            schema.Type = JsonSchemaType.String;
        }

        // Only the schema of a type itself: a property's schema is not where its parent's required list lives.
        if (context.JsonPropertyInfo is not null || schema.Properties is not { Count: > 0 } properties)
        {
            return Task.CompletedTask;
        }

        var required = typeof(ProblemDetails).IsAssignableFrom(context.JsonTypeInfo.Type)
            ? ProblemFields
            : [.. context.JsonTypeInfo.Properties
                .Where(property => property.AttributeProvider?.IsDefined(typeof(RequiredAttribute), inherit: true) == true)
                .Select(property => property.Name)];
        if (required.Length == 0)
        {
            return Task.CompletedTask;
        }

        schema.Required = new HashSet<string>(required, StringComparer.Ordinal);
        foreach (var name in required)
        {
            if (properties.TryGetValue(name, out var property) && property is OpenApiSchema { Type: { } type } inline)
            {
                inline.Type = type & ~JsonSchemaType.Null;
            }
        }

        return Task.CompletedTask;
    }
}
