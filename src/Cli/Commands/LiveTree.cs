using Orleans.Workflow.Client;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Cli.Commands;

/// <summary>Redraws the run's task/step tree in place on a terminal until the run ends.</summary>
public static class LiveTree
{
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(250);

    public static async Task DrawAsync(WorkflowClient client, string runId, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(output);
        var drawn = 0;
        using var timer = new PeriodicTimer(Period);
        try
        {
            do
            {
                var snapshot = await client.GetSnapshotAsync(runId);
                var lines = ProgressPrinter.Tree(snapshot, DateTimeOffset.UtcNow);
                if (drawn > 0)
                {
                    // Back to the first line of the last drawing, and clear from there down.
                    await output.WriteAsync($"\u001b[{drawn}F\u001b[J");
                }

                foreach (var line in lines)
                {
                    await output.WriteLineAsync(line);
                }

                drawn = lines.Count;
                await output.FlushAsync(cancellationToken);
                if (snapshot.Status.IsFinal())
                {
                    return;
                }
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        catch (OperationCanceledException)
        {
            // The run ended; the final summary follows.
        }
    }
}
