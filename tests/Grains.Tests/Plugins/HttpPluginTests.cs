using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Orleans.Workflow.Plugins;
using Orleans.Workflow.Plugins.BuiltIn;

namespace Orleans.Workflow.Grains.Tests.Plugins;

/// <summary>The <c>http</c> plugin against a real Kestrel server on loopback.</summary>
public sealed class HttpPluginTests(HttpTestServer server) : IClassFixture<HttpTestServer>
{
    private readonly HttpPlugin _plugin = new();
    private readonly PluginHarness _harness = new();

    private async Task<JsonObject> Call(JsonObject input, CancellationToken cancellationToken = default) =>
        Assert.IsType<JsonObject>(await Eventually.Within(_plugin.ExecuteAsync(_harness.Context(input), cancellationToken), "the http step to end"));

    private Task<StepFailedException> Fails(JsonObject input) =>
        Assert.ThrowsAsync<StepFailedException>(() => Eventually.Within(_plugin.ExecuteAsync(_harness.Context(input), CancellationToken.None), "the http step to end"));

    [Fact]
    public async Task ExecuteAsync_DefaultGet_AnswersStatusHeadersBodyAndJson()
    {
        var output = await Call(new JsonObject { ["url"] = server.Url("echo").ToString() });

        Assert.Equal(200, output["status"]!.GetValue<int>());
        Assert.StartsWith("application/json", output["headers"]!["content-type"]!.GetValue<string>());
        var json = Assert.IsType<JsonObject>(output["json"]);
        Assert.Equal("GET", json["method"]!.GetValue<string>());
        Assert.Equal("/echo", json["path"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(json, JsonNode.Parse(output["body"]!.GetValue<string>())));
    }

    [Theory]
    [InlineData("post", "POST")]
    [InlineData("PUT", "PUT")]
    [InlineData("Patch", "PATCH")]
    [InlineData("DELETE", "DELETE")]
    public async Task ExecuteAsync_Method_IsSentInUpperCase(string method, string expected)
    {
        var output = await Call(new JsonObject { ["url"] = server.Url("echo").ToString(), ["method"] = method });

        Assert.Equal(expected, output["json"]!["method"]!.GetValue<string>());
    }

    [Fact]
    public async Task ExecuteAsync_JsonBody_IsSentAsJsonWithContentType()
    {
        var payload = new JsonObject { ["name"] = "Ada", ["tags"] = new JsonArray("x", 1, null), ["nested"] = new JsonObject { ["ok"] = true } };

        var output = await Call(new JsonObject { ["url"] = server.Url("echo").ToString(), ["method"] = "POST", ["json"] = payload.DeepClone() });

        var echo = output["json"]!;
        Assert.StartsWith("application/json", echo["content_type"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(payload, JsonNode.Parse(echo["body"]!.GetValue<string>())));
    }

    [Fact]
    public async Task ExecuteAsync_JsonScalar_IsSentAsJson()
    {
        var output = await Call(new JsonObject { ["url"] = server.Url("echo").ToString(), ["method"] = "POST", ["json"] = "just text" });

        Assert.Equal("\"just text\"", output["json"]!["body"]!.GetValue<string>());
    }

    [Fact]
    public async Task ExecuteAsync_RawBody_IsSentVerbatimAsText()
    {
        var output = await Call(new JsonObject { ["url"] = server.Url("echo").ToString(), ["method"] = "POST", ["body"] = "a=1&b={not json}\nline 2" });

        var echo = output["json"]!;
        Assert.Equal("a=1&b={not json}\nline 2", echo["body"]!.GetValue<string>());
        Assert.StartsWith("text/plain", echo["content_type"]!.GetValue<string>());
    }

    [Fact]
    public async Task ExecuteAsync_RawBodyWithContentTypeHeader_UsesThatContentType()
    {
        var output = await Call(new JsonObject
        {
            ["url"] = server.Url("echo").ToString(),
            ["method"] = "POST",
            ["body"] = "<doc/>",
            ["headers"] = new JsonObject { ["Content-Type"] = "application/xml" },
        });

        Assert.Equal("application/xml", output["json"]!["content_type"]!.GetValue<string>());
        Assert.Equal("<doc/>", output["json"]!["body"]!.GetValue<string>());
    }

    [Fact]
    public async Task ExecuteAsync_BodyAndJsonTogether_FailsClearly()
    {
        var ex = await Fails(new JsonObject { ["url"] = server.Url("echo").ToString(), ["method"] = "POST", ["body"] = "x", ["json"] = new JsonObject() });

        Assert.Contains("'body'", ex.Message);
        Assert.Contains("'json'", ex.Message);
    }

    [Fact]
    public async Task ExecuteAsync_Headers_AreSentAsText()
    {
        var output = await Call(new JsonObject
        {
            ["url"] = server.Url("echo").ToString(),
            ["headers"] = new JsonObject
            {
                ["X-Api-Key"] = "k-123",
                ["Authorization"] = "Bearer abc.def",
                ["X-Number"] = 5,
                ["Accept"] = "application/json",
            },
        });

        var headers = output["json"]!["headers"]!;
        Assert.Equal("k-123", headers["x-api-key"]!.GetValue<string>());
        Assert.Equal("Bearer abc.def", headers["authorization"]!.GetValue<string>());
        Assert.Equal("5", headers["x-number"]!.GetValue<string>());
        Assert.Equal("application/json", headers["accept"]!.GetValue<string>());
    }

    [Fact]
    public async Task ExecuteAsync_Query_IsEncodedAndAppended()
    {
        var output = await Call(new JsonObject
        {
            ["url"] = server.Url("echo").ToString(),
            ["query"] = new JsonObject { ["q"] = "x y&z=1", ["n"] = 2, ["flag"] = true, ["ü"] = "ö/é" },
        });

        var query = output["json"]!["query"]!;
        Assert.Equal("x y&z=1", query["q"]!.GetValue<string>());
        Assert.Equal("2", query["n"]!.GetValue<string>());
        Assert.Equal("true", query["flag"]!.GetValue<string>());
        Assert.Equal("ö/é", query["ü"]!.GetValue<string>());
        Assert.Equal(4, query.AsObject().Count);
    }

    [Fact]
    public async Task ExecuteAsync_QueryOnUrlWithQuery_KeepsBoth()
    {
        var output = await Call(new JsonObject
        {
            ["url"] = server.Url("echo?date=2024-05-01").ToString(),
            ["query"] = new JsonObject { ["country"] = "DE" },
        });

        var query = output["json"]!["query"]!;
        Assert.Equal("2024-05-01", query["date"]!.GetValue<string>());
        Assert.Equal("DE", query["country"]!.GetValue<string>());
    }

    [Fact]
    public async Task ExecuteAsync_TextResponse_HasBodyHeadersAndNoJson()
    {
        var output = await Call(new JsonObject { ["url"] = server.Url("text").ToString() });

        Assert.Equal("plain words, not JSON", output["body"]!.GetValue<string>());
        Assert.Equal("custom-value", output["headers"]!["x-custom"]!.GetValue<string>());
        Assert.StartsWith("text/plain", output["headers"]!["content-type"]!.GetValue<string>());
        Assert.True(output.ContainsKey("json"));
        Assert.Null(output["json"]);
    }

    [Fact]
    public async Task ExecuteAsync_JsonBodyWithOtherContentType_IsStillParsed()
    {
        var output = await Call(new JsonObject { ["url"] = server.Url("json-without-type").ToString() });

        Assert.Equal(1, output["json"]!["n"]!.GetValue<int>());
    }

    [Theory]
    [InlineData(200)]
    [InlineData(201)]
    [InlineData(202)]
    [InlineData(204)]
    [InlineData(299)]
    public async Task ExecuteAsync_Any2xxWithoutExpect_Succeeds(int status)
    {
        var output = await Call(new JsonObject { ["url"] = server.Url($"status/{status}").ToString() });

        Assert.Equal(status, output["status"]!.GetValue<int>());
    }

    [Fact]
    public async Task ExecuteAsync_NoContent_HasEmptyBodyAndNullJson()
    {
        var output = await Call(new JsonObject { ["url"] = server.Url("status/204").ToString() });

        Assert.Equal(string.Empty, output["body"]!.GetValue<string>());
        Assert.Null(output["json"]);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(404)]
    [InlineData(400)]
    [InlineData(503)]
    public async Task ExecuteAsync_Non2xxWithoutExpect_FailsWithStatusAndKeepsOutput(int status)
    {
        var ex = await Fails(new JsonObject { ["url"] = server.Url($"status/{status}").ToString() });

        Assert.Contains(status.ToString(), ex.Message);
        Assert.Contains("/status/", ex.Message);
        var output = Assert.IsType<JsonObject>(ex.Output);
        Assert.Equal(status, output["status"]!.GetValue<int>());
        Assert.Equal($"answered {status}", output["body"]!.GetValue<string>());
    }

    [Fact]
    public async Task ExecuteAsync_ExpectListContainsStatus_Succeeds()
    {
        var output = await Call(new JsonObject { ["url"] = server.Url("status/404").ToString(), ["expect"] = new JsonArray(200, 404) });

        Assert.Equal(404, output["status"]!.GetValue<int>());
        Assert.Equal("answered 404", output["body"]!.GetValue<string>());
    }

    [Fact]
    public async Task ExecuteAsync_ExpectListWithout2xxStatus_Fails()
    {
        var ex = await Fails(new JsonObject { ["url"] = server.Url("status/201").ToString(), ["expect"] = new JsonArray(200) });

        Assert.Contains("201", ex.Message);
    }

    [Fact]
    public async Task ExecuteAsync_ExpectSingleCode_IsAccepted()
    {
        var output = await Call(new JsonObject { ["url"] = server.Url("status/409").ToString(), ["expect"] = 409 });

        Assert.Equal(409, output["status"]!.GetValue<int>());
    }

    [Fact]
    public async Task ExecuteAsync_ExpectCodesAsText_AreAccepted()
    {
        // Codes computed by an expression may arrive as text.
        var output = await Call(new JsonObject { ["url"] = server.Url("status/409").ToString(), ["expect"] = new JsonArray("409") });

        Assert.Equal(409, output["status"]!.GetValue<int>());
    }

    [Fact]
    public async Task ExecuteAsync_ExpectCodesAsLongsOrText_AreAccepted()
    {
        // The YAML reader makes integers 64-bit; JSON text parsed elsewhere arrives as JSON elements.
        var output = await Call(new JsonObject { ["url"] = server.Url("status/404").ToString(), ["expect"] = new JsonArray(JsonValue.Create(200L), JsonValue.Create(404L)) });
        var parsed = await Call(new JsonObject { ["url"] = server.Url("status/404").ToString(), ["expect"] = JsonNode.Parse("[\"404\", 410]") });

        Assert.Equal(404, output["status"]!.GetValue<int>());
        Assert.Equal(404, parsed["status"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("[\"ok\"]", "'expect' item 1 is \"ok\"")]
    [InlineData("[200, 40.5]", "'expect' item 2 is 40.5")]
    [InlineData("[200, true]", "'expect' item 2 is true")]
    [InlineData("[1000]", "'expect' item 1 is 1000")]
    [InlineData("{\"code\": 404}", "'expect' is {\"code\":404}")]
    public async Task ExecuteAsync_ExpectNotStatusCodes_FailsNamingExpectBeforeSending(string expect, string message)
    {
        var path = "status/404?expect-" + Guid.NewGuid().ToString("N");

        var ex = await Fails(new JsonObject { ["url"] = server.Url(path).ToString(), ["expect"] = JsonNode.Parse(expect) });

        Assert.Contains(message, ex.Message);
        Assert.Contains("status codes", ex.Message);
        Assert.DoesNotContain(server.Requests, r => r.Contains(path, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("not a url")]
    [InlineData("ftp://example.org/file")]
    [InlineData("/relative/path")]
    [InlineData("127.0.0.1:8080/x")]
    public async Task ExecuteAsync_BadUrl_FailsClearly(string url)
    {
        var ex = await Fails(new JsonObject { ["url"] = url });

        Assert.Contains("not an absolute http(s) URL", ex.Message);
        Assert.Contains(url, ex.Message);
    }

    [Fact]
    public async Task ExecuteAsync_MissingUrl_FailsClearly()
    {
        var ex = await Fails(new JsonObject { ["method"] = "GET" });

        Assert.Contains("'url'", ex.Message);
    }

    [Fact]
    public async Task ExecuteAsync_NothingListening_FailsWithMethodAndUrl()
    {
        var port = ClosedPort();

        var ex = await Fails(new JsonObject { ["url"] = $"http://127.0.0.1:{port}/down" });

        Assert.StartsWith($"GET http://127.0.0.1:{port}/down failed", ex.Message);
    }

    [Fact]
    public async Task ExecuteAsync_FailureMessage_IsRedacted()
    {
        var port = ClosedPort();
        var harness = new PluginHarness { Redact = text => text.Replace("tok-secret", "***", StringComparison.Ordinal) };

        var ex = await Assert.ThrowsAsync<StepFailedException>(() => _plugin.ExecuteAsync(harness.Context(new JsonObject { ["url"] = $"http://127.0.0.1:{port}/tok-secret/x" }), CancellationToken.None));

        Assert.DoesNotContain("tok-secret", ex.Message);
        Assert.Contains("/***/x", ex.Message);
    }

    [Fact]
    public async Task ExecuteAsync_Cancelled_AbortsTheCall()
    {
        var id = Guid.NewGuid().ToString("N");
        using var cancel = new CancellationTokenSource();
        var step = _plugin.ExecuteAsync(_harness.Context(new JsonObject { ["url"] = server.Url($"slow/{id}").ToString() }), cancel.Token);
        await Eventually.Within(server.Slow(id).Started.Task, "the server to receive the slow request");

        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Eventually.Within(step, "the cancelled http step to end", TimeSpan.FromSeconds(10)));
        await Eventually.Within(server.Slow(id).Aborted.Task, "the server to see the request aborted", TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task ExecuteAsync_InputNotAMapping_FailsClearly()
    {
        var ex = await Assert.ThrowsAsync<StepFailedException>(() => _plugin.ExecuteAsync(_harness.Context(JsonValue.Create(server.Url("echo").ToString())), CancellationToken.None));

        Assert.Contains("mapping", ex.Message);
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
