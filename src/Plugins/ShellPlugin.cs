using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Orleans.Workflow.Plugins.BuiltIn;

/// <summary>
/// <c>shell</c>: runs <c>run</c> (a script, through <c>shell</c>, default <c>sh</c>) or <c>command</c> (an argv list)
/// as a real process, with <c>env</c>, <c>workdir</c> and <c>stdin</c>. Output: <c>exit_code</c>, <c>stdout</c>,
/// <c>stderr</c>, and <c>json</c> when stdout is JSON. A non-zero exit fails the attempt; cancellation kills
/// the whole process tree. On Linux the process starts in a process group of its own (through <c>setsid</c>):
/// cancellation kills the group, and when the process ends, whatever it left running in its group (background
/// jobs it did not wait for, which would otherwise hold the output pipes open) is killed too.
/// </summary>
public sealed class ShellPlugin : IStepPlugin
{
    /// <summary>Most characters kept of each of stdout and stderr (the tail is kept beyond it).</summary>
    public const int MaxCapturedChars = 4 * 1024 * 1024;

    /// <summary><c>setsid</c>, when this machine has it: starts the step's process as the leader of its own group.</summary>
    private static readonly string? Setsid = OperatingSystem.IsLinux()
        ? new[] { "/usr/bin/setsid", "/bin/setsid", "/usr/sbin/setsid", "/sbin/setsid" }.FirstOrDefault(File.Exists)
        : null;

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
        string? script = null;
        var program = new List<string>();
        if (input.ContainsKey("run") && input.ContainsKey("command"))
        {
            throw new StepFailedException("shell takes exactly one of 'run' (a script) and 'command' (a list of arguments), found both");
        }

        if (input["command"] is { } command and not JsonArray)
        {
            throw new StepFailedException($"shell 'command' must be a list of arguments (found {command.GetValueKind().ToString().ToLowerInvariant()}); to run a command line, use 'run'");
        }

        if (input["command"] is JsonArray argv)
        {
            if (argv.Count == 0)
            {
                throw new StepFailedException("shell 'command' is an empty list");
            }

            program.AddRange(argv.Select(Text));
        }
        else if (context.Text("run") is { } run)
        {
            script = run;
            scriptFile = Path.Combine(Path.GetTempPath(), $"owf-{Guid.NewGuid():N}.sh");
            program.Add(context.Text("shell") ?? "sh");
            program.Add(scriptFile);
        }
        else
        {
            throw new StepFailedException("shell needs 'run' (a script) or 'command' (a list of arguments)");
        }

        if (Setsid is not null)
        {
            program.InsertRange(0, [Setsid, "--"]);
        }

        start.FileName = program[0];
        foreach (var arg in program.Skip(1))
        {
            start.ArgumentList.Add(arg);
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
            if (scriptFile is not null)
            {
                // The rendered script may hold secrets: readable by this user only.
                var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
                if (!OperatingSystem.IsWindows())
                {
                    options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                }

                await using (var file = new StreamWriter(scriptFile, new UTF8Encoding(false), options))
                {
                    await file.WriteAsync(script.AsMemory(), cancellationToken);
                }
            }

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

        var ownGroup = Setsid is not null;
        using var kill = cancellationToken.Register(() => KillTree(process, ownGroup));
        var stdout = Capture(process.StandardOutput, line => context.Log(context.Redact(line)));
        var stderr = Capture(process.StandardError, line => context.Log(context.Redact(line)));
        try
        {
            if (stdin is not null)
            {
                var text = stdin is JsonValue value && value.TryGetValue<string>(out var s) ? s : stdin.ToJsonString();
                await process.StandardInput.WriteAsync(text.AsMemory(), cancellationToken);
            }

            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The process ended without reading (all of) its input; its exit code tells the story.
        }
        catch (OperationCanceledException)
        {
            // Cancelled while writing: the process is being killed; the wait below ends with it.
        }
        finally
        {
            try
            {
                process.StandardInput.Dispose();
            }
            catch (IOException)
            {
                // The unread rest of the input cannot be flushed to a process that is gone.
            }
        }

        await process.WaitForExitAsync(CancellationToken.None);
        if (ownGroup)
        {
            // What the process left running in its group would hold the output pipes open (and outlive the step).
            KillGroup(process.Id);
        }

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

    private static void KillTree(Process process, bool ownGroup)
    {
        if (ownGroup)
        {
            KillGroup(process.Id);
        }

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
        if (trimmed.Length == 0 || (trimmed[0] is not ('{' or '[' or '"' or '-') && !char.IsAsciiDigit(trimmed[0]) && trimmed is not ("true" or "false" or "null")))
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

    /// <summary>Sends SIGKILL to every process of the group led by <paramref name="leader"/> (a no-op when it is empty).</summary>
    private static void KillGroup(int leader)
    {
        if (leader > 0)
        {
            _ = NativeMethods.Kill(-leader, NativeMethods.SigKill);
        }
    }

    private static string Text(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) ? text : node?.ToJsonString() ?? string.Empty;
}

internal static partial class NativeMethods
{
    public const int SigKill = 9;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static extern int Kill(int pid, int signal);
}
