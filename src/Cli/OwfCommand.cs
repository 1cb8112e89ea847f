using System.CommandLine;
using Orleans.Workflow.Cli.Commands;

namespace Orleans.Workflow.Cli;

/// <summary>The <c>owf</c> command line: builds the command tree and runs one invocation.</summary>
public static class OwfCommand
{
    /// <summary>Exit code for success.</summary>
    public const int Ok = 0;

    /// <summary>Exit code when the work ran and failed (a failed run).</summary>
    public const int Failed = 1;

    /// <summary>Exit code for invalid input: a bad playbook, bad params, bad arguments.</summary>
    public const int Invalid = 2;

    /// <summary>Exit code when the cluster (<c>--cluster</c>) could not be reached.</summary>
    public const int Unreachable = 3;

    /// <summary>Exit code when the run asked for does not exist.</summary>
    public const int NotFound = 4;

    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default) =>
        RunAsync(args, output, error, interactive: false, cancellationToken);

    /// <summary>Runs one invocation; <paramref name="interactive"/> means stdout is a terminal, so progress is a tree redrawn in place rather than event lines.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, bool interactive, CancellationToken cancellationToken = default)
    {
        var root = new RootCommand("owf: validate and run Orleans.Workflow playbooks.")
        {
            ValidateCommand.Create(output, error),
            RunCommand.Create(output, error, interactive),
            StatusCommand.Create(output, error),
            PlaybooksCommand.Create(output, error),
            WatchCommand.Create(output, error),
            LogsCommand.Create(output, error),
            HistoryCommand.Create(output, error),
            RunsCommand.Create(output, error),
            RunControlCommands.Cancel(output, error),
            RunControlCommands.Pause(output, error),
            RunControlCommands.Resume(output, error),
            RunControlCommands.Signal(output, error),
            RetryCommand.Create(output, error),
            SchedulesCommand.Create(output, error),
            EventsCommand.Create(output, error),
        };

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var problem in parsed.Errors)
            {
                await error.WriteLineAsync($"owf: {MaskPasswords(problem.Message)}");
            }

            await error.WriteLineAsync("Try 'owf --help'.");
            return Invalid;
        }

        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = TimeSpan.FromSeconds(20) }, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Last line of defence: a user never sees a stack trace.
            await error.WriteLineAsync($"owf: internal error: {ex.GetType().Name}: {ex.Message}");
            return Failed;
        }
    }

    // A mistyped command repeats its arguments, a --cluster connection string among them: never its password.
    private static string MaskPasswords(string text) =>
        System.Text.RegularExpressions.Regex.Replace(text, "(?i)(password|pwd)=[^;'\"\\s]*", "$1=***");
}
