using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Orleans.Workflow.Plugins.BuiltIn;

/// <summary>
/// <c>shell</c>: runs <c>run</c> (a script, through <c>shell</c>, default <c>sh</c>) or <c>command</c> (an argv list)
/// as a real process, with <c>env</c>, <c>workdir</c> and <c>stdin</c>. Output: <c>exit_code</c>, <c>stdout</c>,
/// <c>stderr</c>, and <c>json</c> when stdout is JSON. A non-zero exit fails the attempt; cancellation kills
/// the whole process tree.
/// </summary>
public sealed class ShellPlugin : IStepPlugin
{
    /// <summary>Most characters kept of each of stdout and stderr (the tail is kept beyond it).</summary>
    public const int MaxCapturedChars = 4 * 1024 * 1024;

    public string Name => "shell";

    public async Task<JsonNode?> ExecuteAsync(StepContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var input = context.InputObject();
        var start = new ProcessStartInfo
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        string? scriptFile = null;
        if (input["command"] is JsonArray argv)
        {
            if (argv.Count == 0)
            {
                throw new StepFailedException("shell 'command' is an empty list");
            }

            start.FileName = Text(argv[0]);
            foreach (var arg in argv.Skip(1))
            {
                start.ArgumentList.Add(Text(arg));
            }
        }
        else if (context.Text("run") is { } script)
        {
            scriptFile = Path.Combine(Path.GetTempPath(), $"owf-{Guid.NewGuid():N}.sh");
            await File.WriteAllTextAsync(scriptFile, script, cancellationToken);
            start.FileName = context.Text("shell") ?? "sh";
            start.ArgumentList.Add(scriptFile);
        }
        else
        {
            throw new StepFailedException("shell needs 'run' (a script) or 'command' (a list of arguments)");
        }

        if (context.Text("workdir") is { } workdir)
        {
            if (!Directory.Exists(workdir))
            {
                throw new StepFailedException($"shell workdir '{workdir}' does not exist");
            }

            start.WorkingDirectory = workdir;
        }

        if (input["env"] is JsonObject env)
        {
            foreach (var (key, value) in env)
            {
                start.Environment[key] = value is null ? string.Empty : Text(value);
            }
        }

        start.Environment["OWF_RUN_ID"] = context.RunId;
        start.Environment["OWF_TASK"] = context.Task;
        start.Environment["OWF_STEP"] = context.Step;
        start.Environment["OWF_ATTEMPT"] = context.Attempt.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["OWF_IDEMPOTENCY_KEY"] = context.IdempotencyKey;

        try
        {
            return await RunAsync(context, start, input["stdin"], cancellationToken);
        }
        finally
        {
            if (scriptFile is not null)
            {
                File.Delete(scriptFile);
            }
        }
    }

    private static async Task<JsonNode?> RunAsync(StepContext context, ProcessStartInfo start, JsonNode? stdin, CancellationToken cancellationToken)
    {
        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new StepFailedException($"cannot start '{start.FileName}': {ex.Message}", ex);
        }

        using var kill = cancellationToken.Register(() => KillTree(process));
        var stdout = Capture(process.StandardOutput, line => context.Log(context.Redact(line)));
        var stderr = Capture(process.StandardError, line => context.Log(context.Redact(line)));
        try
        {
            if (stdin is not null)
            {
                var text = stdin is JsonValue value && value.TryGetValue<string>(out var s) ? s : stdin.ToJsonString();
                await process.StandardInput.WriteAsync(text.AsMemory(), cancellationToken);
            }
        }
        catch (IOException)
        {
            // The process ended without reading its input; its exit code tells the story.
        }
        finally
        {
            process.StandardInput.Close();
        }

        await process.WaitForExitAsync(CancellationToken.None);
        var output = await stdout;
        var error = await stderr;
        cancellationToken.ThrowIfCancellationRequested();

        var result = new JsonObject
        {
            ["exit_code"] = process.ExitCode,
            ["stdout"] = output,
            ["stderr"] = error,
            ["json"] = TryJson(output),
        };
        if (process.ExitCode != 0)
        {
            var last = error.TrimEnd().Split('\n').LastOrDefault(l => l.Length > 0) ?? string.Empty;
            throw new StepFailedException($"exit code {process.ExitCode}{(last.Length > 0 ? ": " + last : string.Empty)}") { Output = result };
        }

        return result;
    }

    private static async Task<string> Capture(StreamReader reader, Action<string> onLine)
    {
        var text = new StringBuilder();
        while (await reader.ReadLineAsync() is { } line)
        {
            onLine(line);
            text.Append(line).Append('\n');
            if (text.Length > MaxCapturedChars)
            {
                text.Remove(0, text.Length - MaxCapturedChars);
            }
        }

        return text.ToString();
    }

    private static void KillTree(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // Already gone.
        }
    }

    private static JsonNode? TryJson(string text)
    {
        var trimmed = text.Trim();
        if (trimmed.Length == 0 || (trimmed[0] is not ('{' or '[' or '"') && !char.IsDigit(trimmed[0]) && trimmed is not ("true" or "false" or "null")))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(trimmed);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Text(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) ? text : node?.ToJsonString() ?? string.Empty;
}
