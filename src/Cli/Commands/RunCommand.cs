using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Orleans.Workflow.Cli.Connection;
using Orleans.Workflow.Client;
using Orleans.Workflow.Playbooks;
using Orleans.Workflow.Playbooks.Model;
using Orleans.Workflow.Playbooks.Params;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Cli.Commands;

/// <summary><c>owf run FILE [-p name=value]... [--playbooks DIR] [--json] [--timeout DURATION]</c>.</summary>
public static class RunCommand
{
    /// <summary>How long an interrupted <c>owf run</c> waits for its cancelled run to stop.</summary>
    private static readonly TimeSpan InterruptGrace = TimeSpan.FromSeconds(10);

    public static Command Create(TextWriter output, TextWriter error, bool interactive)
    {
        var file = new Argument<string>("FILE") { Description = "The playbook to run." };
        var parameters = new Option<string[]>("--param", "-p")
        {
            Description = "A param as name=value (repeatable); text is coerced to the param's type.",
            AllowMultipleArgumentsPerToken = false,
        };
        var playbooks = new Option<string?>("--playbooks")
        {
            Description = "Folder of playbooks to register so 'playbook' steps find their children (default: FILE's folder).",
        };
        var json = new Option<bool>("--json") { Description = "Print only the final snapshot as JSON." };
        var timeout = new Option<string?>("--timeout") { Description = "Cancel the run after this long (e.g. 30s, 5m)." };
        var cluster = ClusterOption.Create();
        var detach = new Option<bool>("--detach") { Description = "With --cluster: start the run, print its id and exit 0 without waiting." };
        var command = new Command("run", """
            Run a playbook end to end, show progress, print the outputs. Without --cluster it runs on an
            embedded silo in this process (state is kept in memory and ends with the process); with --cluster
            (or OWF_CLUSTER) it registers the playbooks on that cluster, starts the run there and waits for it.
            Exit codes: 0 succeeded (or started, with --detach), 1 failed, cancelled or timed out (or, with a
            cluster, owf was interrupted: the run goes on), 2 invalid playbook, params or arguments,
            3 the cluster could not be reached.

            Examples:
              owf run examples/playbooks/hello.yaml
              owf run etl.yaml -p run_date=2024-05-01 -p countries='["DE","FR"]'
              owf run report.yaml --json --timeout 10m
              owf run etl.yaml --cluster "Host=db;Username=owf;Password=...;Database=owf" --detach
            """)
        {
            file,
            parameters,
            playbooks,
            json,
            timeout,
            cluster,
            detach,
        };

        command.SetAction((result, cancellationToken) => RunAsync(
            new RunArguments(
                result.GetValue(file)!,
                result.GetValue(parameters) ?? [],
                result.GetValue(playbooks),
                result.GetValue(json),
                result.GetValue(timeout),
                interactive,
                OwfConnection.ClusterFrom(result.GetValue(cluster)),
                result.GetValue(detach)),
            output,
            error,
            cancellationToken));
        return command;
    }

    private sealed record RunArguments(string File, string[] Params, string? PlaybooksDir, bool Json, string? Timeout, bool Interactive, string? Cluster, bool Detach);

    private static async Task<int> RunAsync(RunArguments args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var loaded = PlaybookLoader.LoadFile(args.File);
        if (!loaded.IsValid)
        {
            foreach (var diagnostic in loaded.Diagnostics)
            {
                await error.WriteLineAsync(diagnostic.ToString());
            }

            return OwfCommand.Invalid;
        }

        var playbook = loaded.Playbook!;
        TimeSpan? limit = null;
        if (args.Timeout is not null)
        {
            if (!Duration.TryParse(args.Timeout, out var parsed) || parsed <= TimeSpan.Zero)
            {
                await error.WriteLineAsync($"owf: --timeout '{args.Timeout}' is not a duration such as 30s, 5m or 1h");
                return OwfCommand.Invalid;
            }

            limit = parsed;
        }

        if (!ParamArguments.TryParse(args.Params, out var values, out var paramErrors)
            || !CheckParams(playbook, values, paramErrors))
        {
            foreach (var message in paramErrors)
            {
                await error.WriteLineAsync($"{args.File}: error: {message}");
            }

            return OwfCommand.Invalid;
        }

        if (args.Detach && args.Cluster is null)
        {
            await error.WriteLineAsync("owf: --detach needs --cluster (or OWF_CLUSTER): an embedded run ends with this process");
            return OwfCommand.Invalid;
        }

        OwfConnection connection;
        try
        {
            connection = await OwfConnection.OpenAsync(args.Cluster, cancellationToken);
        }
        catch (OwfConnectionException ex)
        {
            await error.WriteLineAsync($"owf: {ex.Message}");
            return OwfCommand.Unreachable;
        }

        await using var _ = connection;
        var client = connection.Client;
        await RegisterFolderAsync(client, args.PlaybooksDir ?? Path.GetDirectoryName(Path.GetFullPath(args.File))!, args.File, error);
        try
        {
            await client.RegisterPlaybookAsync(playbook.Name, await File.ReadAllTextAsync(args.File, cancellationToken), args.File);
        }
        catch (PlaybookInvalidException ex)
        {
            foreach (var message in ex.Errors)
            {
                await error.WriteLineAsync(message);
            }

            return OwfCommand.Invalid;
        }

        var runId = WorkflowClient.NewRunId();
        await using var watch = args.Json || args.Interactive ? null : await client.WatchAsync(runId);
        try
        {
            await client.StartRunAsync(playbook.Name, values, new StartRunOptions { RunId = runId, Timeout = limit });
        }
        catch (RunNotStartedException ex)
        {
            foreach (var message in ex.Errors)
            {
                await error.WriteLineAsync($"{args.File}: error: {message}");
            }

            return OwfCommand.Invalid;
        }

        if (args.Detach)
        {
            await output.WriteLineAsync(args.Json ? new JsonObject { ["id"] = runId }.ToJsonString() : runId);
            return OwfCommand.Ok;
        }

        using var watching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var printing = watch is not null ? PrintEventsAsync(watch, new ProgressPrinter(output), watching.Token)
            : args.Interactive && !args.Json ? LiveTree.DrawAsync(client, runId, output, watching.Token)
            : Task.CompletedTask;
        RunSnapshot snapshot;
        try
        {
            snapshot = await client.WaitForEndAsync(runId, cancellationToken);
        }
        catch (OperationCanceledException) when (!connection.IsEmbedded)
        {
            // Interrupted while watching a cluster's run: the run is the cluster's and goes on.
            await error.WriteLineAsync($"owf: interrupted; run {runId} goes on in {connection.Describe()} (owf status {runId} --cluster ...)");
            return OwfCommand.Failed;
        }
        catch (OperationCanceledException)
        {
            // Interrupted (Ctrl-C, SIGTERM): cancel the run, give its steps a bounded time to stop, and exit.
            await error.WriteLineAsync($"owf: interrupted; cancelling run {runId}");
            using var grace = new CancellationTokenSource(InterruptGrace);
            try
            {
                await client.CancelAsync(runId, "owf run was interrupted").WaitAsync(grace.Token);
                snapshot = await client.WaitForEndAsync(runId, grace.Token);
            }
            catch (OperationCanceledException)
            {
                await error.WriteLineAsync($"owf: run {runId} did not stop within {InterruptGrace.TotalSeconds:0} s; exiting anyway");
                return OwfCommand.Failed;
            }
        }

        // Events trail the state a little: let the last ones print (the live tree draws the end state), then stop.
        await Task.WhenAny(printing, Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None));
        await watching.CancelAsync();
        await printing;
        if (args.Json)
        {
            await output.WriteLineAsync(RunSnapshotJson.ToJson(snapshot).ToJsonString(CliJson.Indented));
        }
        else
        {
            await ProgressPrinter.PrintSummaryAsync(output, snapshot, withTree: !args.Interactive);
        }

        return snapshot.Status == WorkStatus.Succeeded ? OwfCommand.Ok : OwfCommand.Failed;
    }

    private static bool CheckParams(Playbook playbook, JsonObject values, List<string> errors)
    {
        var given = values.ToDictionary(v => v.Key, v => v.Value?.DeepClone(), StringComparer.Ordinal);
        var run = new JsonObject { ["logical_date"] = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) };
        var resolved = ParamResolver.Resolve(playbook, given, run);
        errors.AddRange(resolved.Errors.Select(e => e.Message));
        return resolved.IsValid;
    }

    private static async Task RegisterFolderAsync(WorkflowClient client, string folder, string main, TextWriter error)
    {
        if (!Directory.Exists(folder))
        {
            await error.WriteLineAsync($"owf: --playbooks folder '{folder}' does not exist");
            return;
        }

        var mainPath = Path.GetFullPath(main);
        foreach (var path in Directory.EnumerateFiles(folder, "*.y*ml").Order(StringComparer.Ordinal))
        {
            if (Path.GetFullPath(path) == mainPath)
            {
                continue;
            }

            var other = PlaybookLoader.LoadFile(path);
            if (other.Playbook is not { } valid)
            {
                await error.WriteLineAsync($"owf: skipped {path}: it does not validate (owf validate {path})");
                continue;
            }

            await client.RegisterPlaybookAsync(valid.Name, await File.ReadAllTextAsync(path), path);
        }
    }

    private static async Task PrintEventsAsync(RunWatch watch, ProgressPrinter progress, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var item in watch.ReadAllAsync(cancellationToken))
            {
                await progress.PrintAsync(item);
            }
        }
        catch (OperationCanceledException)
        {
            // The run ended; the summary follows.
        }
    }
}
