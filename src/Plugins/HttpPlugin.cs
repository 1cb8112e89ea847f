using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Orleans.Workflow.Plugins.BuiltIn;

/// <summary>
/// <c>http</c>: one request (<c>method</c>, <c>url</c>, <c>headers</c>, <c>query</c>, <c>body</c> or <c>json</c>).
/// Output: <c>status</c>, <c>headers</c>, <c>body</c>, <c>json</c>. A status outside <c>expect</c> (default: any 2xx) fails the attempt.
/// </summary>
public sealed class HttpPlugin : IStepPlugin
{
    private static readonly HttpClient Shared = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    public string Name => "http";

    public async Task<JsonNode?> ExecuteAsync(StepContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var input = context.InputObject();
        var url = context.Text("url") ?? throw new StepFailedException("http needs 'url'");
        if (!Uri.TryCreate(AppendQuery(url, input["query"] as JsonObject), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new StepFailedException($"http 'url' is not an absolute http(s) URL: {context.Redact(url)}");
        }

        var expected = ExpectedCodes(input["expect"], context.Redact);
        if (input["json"] is not null && input["body"] is not null)
        {
            throw new StepFailedException("http takes at most one of 'body' (raw text) and 'json' (a value sent as JSON)");
        }

        using var request = new HttpRequestMessage(new HttpMethod((context.Text("method") ?? "GET").ToUpperInvariant()), uri);
        if (input["json"] is { } json)
        {
            request.Content = new StringContent(json.ToJsonString(), Encoding.UTF8, "application/json");
        }
        else if (input["body"] is { } body)
        {
            request.Content = new StringContent(body is JsonValue v && v.TryGetValue<string>(out var s) ? s : body.ToJsonString(), Encoding.UTF8);
        }

        if (input["headers"] is JsonObject headers)
        {
            foreach (var (name, value) in headers)
            {
                var text = value is JsonValue hv && hv.TryGetValue<string>(out var hs) ? hs : value?.ToJsonString() ?? string.Empty;
                if (!request.Headers.TryAddWithoutValidation(name, text))
                {
                    request.Content ??= new StringContent(string.Empty);
                    request.Content.Headers.Remove(name);
                    request.Content.Headers.TryAddWithoutValidation(name, text);
                }
            }
        }

        HttpResponseMessage response;
        try
        {
            response = await Shared.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new StepFailedException($"{request.Method} {context.Redact(uri.GetLeftPart(UriPartial.Path))} failed: {ex.Message}", ex);
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            var result = new JsonObject
            {
                ["status"] = (int)response.StatusCode,
                ["headers"] = Headers(response),
                ["body"] = text,
                ["json"] = TryJson(text, response.Content.Headers.ContentType),
            };
            if (!(expected?.Contains((int)response.StatusCode) ?? response.IsSuccessStatusCode))
            {
                throw new StepFailedException($"{request.Method} {context.Redact(uri.GetLeftPart(UriPartial.Path))} answered {(int)response.StatusCode} {response.ReasonPhrase}") { Output = result };
            }

            return result;
        }
    }

    private static string AppendQuery(string url, JsonObject? query)
    {
        if (query is null || query.Count == 0)
        {
            return url;
        }

        var pairs = query.Select(q => Uri.EscapeDataString(q.Key) + "=" + Uri.EscapeDataString(q.Value is JsonValue v && v.TryGetValue<string>(out var s) ? s : q.Value?.ToJsonString() ?? string.Empty));
        return url + (url.Contains('?', StringComparison.Ordinal) ? "&" : "?") + string.Join('&', pairs);
    }

    /// <summary>
    /// The codes of <c>expect</c> (one code or a list), or null for its default (any 2xx). A code is a JSON number or a
    /// numeric text (<c>404</c> and <c>"404"</c>: YAML numbers and expression results both arrive); anything else fails.
    /// </summary>
    private static HashSet<int>? ExpectedCodes(JsonNode? expect, Func<string, string> redact)
    {
        if (expect is null)
        {
            return null;
        }

        var items = expect is JsonArray array ? [.. array] : new List<JsonNode?> { expect };
        var codes = new HashSet<int>();
        for (var i = 0; i < items.Count; i++)
        {
            if (!TryStatusCode(items[i], out var code))
            {
                var where = expect is JsonArray ? $"'expect' item {i + 1}" : "'expect'";
                throw new StepFailedException($"http {where} is {redact(Describe(items[i]))}: give HTTP status codes from 100 to 599, one or a list (expect: [200, 404])");
            }

            codes.Add(code);
        }

        return codes;
    }

    private static bool TryStatusCode(JsonNode? item, out int code)
    {
        code = 0;
        if (item is not JsonValue value)
        {
            return false;
        }

        var text = value.GetValueKind() switch
        {
            JsonValueKind.Number => value.ToJsonString(),
            JsonValueKind.String => value.GetValue<string>().Trim(),
            _ => null,
        };
        return text is not null
            && int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out code)
            && code is >= 100 and <= 599;
    }

    private static string Describe(JsonNode? item)
    {
        var text = item?.ToJsonString() ?? "null";
        return text.Length <= 40 ? text : text[..40] + "...";
    }

    private static JsonObject Headers(HttpResponseMessage response)
    {
        var result = new JsonObject();
        foreach (var header in response.Headers.Concat(response.Content.Headers))
        {
            result[header.Key.ToLowerInvariant()] = string.Join(", ", header.Value);
        }

        return result;
    }

    private static JsonNode? TryJson(string text, MediaTypeHeaderValue? type)
    {
        var looksJson = type?.MediaType?.Contains("json", StringComparison.OrdinalIgnoreCase) == true
            || text.TrimStart().StartsWith('{') || text.TrimStart().StartsWith('[');
        if (!looksJson || text.Length == 0)
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
