using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Orleans.Workflow.Grains.Tests.Plugins;

/// <summary>
/// A real Kestrel server on 127.0.0.1 (a free port) for the <c>http</c> plugin:
/// <c>/echo</c> answers what it received as JSON (method, path, query, headers, body, content type);
/// <c>/status/{code}</c> answers that status with a text body; <c>/text</c> answers plain text and a custom header;
/// <c>/slow/{id}</c> never answers and records when it started and when the client went away;
/// <c>/rows</c> answers a JSON list of rows (for end-to-end loads).
/// </summary>
public sealed class HttpTestServer : IAsyncLifetime
{
    private WebApplication? _app;

    public Uri BaseUri { get; private set; } = null!;

    /// <summary>Calls of <c>/slow/{id}</c>, by id.</summary>
    public ConcurrentDictionary<string, SlowCall> SlowCalls { get; } = new();

    /// <summary>Requests received, to count them.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>Values of the <c>X-Token</c> header the server received, as sent.</summary>
    public ConcurrentQueue<string> Tokens { get; } = new();

    public static JsonArray Rows =>
    [
        new JsonObject { ["code"] = "DE", ["name"] = "Germany", ["cases"] = 120, ["rate"] = 1.25 },
        new JsonObject { ["code"] = "FR", ["name"] = "France", ["cases"] = 95, ["rate"] = 0.5 },
        new JsonObject { ["code"] = "IT", ["name"] = "Italy", ["cases"] = 80, ["rate"] = null },
    ];

    public Uri Url(string pathAndQuery) => new(BaseUri, pathAndQuery);

    public SlowCall Slow(string id) => SlowCalls.GetOrAdd(id, _ => new SlowCall());

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], EnvironmentName = "Development" });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            Requests.Enqueue($"{context.Request.Method} {context.Request.Path}{context.Request.QueryString}");
            if (context.Request.Headers.TryGetValue("X-Token", out var token))
            {
                Tokens.Enqueue(token.ToString());
            }

            await next(context);
        });
        app.Map("/echo", EchoAsync);
        app.Map("/status/{code:int}", (int code) => code is 204 or 304 ? Results.StatusCode(code) : Results.Text($"answered {code}", "text/plain", statusCode: code));
        app.MapGet("/text", (HttpContext context) =>
        {
            context.Response.Headers["X-Custom"] = "custom-value";
            return Results.Text("plain words, not JSON", "text/plain");
        });
        app.MapGet("/json-without-type", () => Results.Text("{\"n\": 1}", "application/octet-stream"));
        app.MapGet("/rows", () => Results.Text(Rows.ToJsonString(), "application/json"));
        app.MapGet("/slow/{id}", async (string id, HttpContext context) =>
        {
            var call = Slow(id);
            call.Started.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                call.Aborted.TrySetResult();
            }
        });
        await app.StartAsync();
        _app = app;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        BaseUri = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/");
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    private static async Task EchoAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        var query = new JsonObject();
        foreach (var (key, values) in context.Request.Query)
        {
            query[key] = values.ToString();
        }

        var headers = new JsonObject();
        foreach (var (key, values) in context.Request.Headers)
        {
            headers[key.ToLowerInvariant()] = values.ToString();
        }

        var answer = new JsonObject
        {
            ["method"] = context.Request.Method,
            ["path"] = context.Request.Path.Value,
            ["raw_query"] = context.Request.QueryString.Value,
            ["query"] = query,
            ["headers"] = headers,
            ["content_type"] = context.Request.ContentType,
            ["body"] = body,
        };
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(answer.ToJsonString(), context.RequestAborted);
    }

    public sealed class SlowCall
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Aborted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
