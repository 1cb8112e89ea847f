using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Workflow.Events;
using Orleans.Workflow.Execution;
using Orleans.Workflow.Playbooks.Expressions;
using Orleans.Workflow.Playbooks.Model;
using Orleans.Workflow.Playbooks.Params;
using Orleans.Workflow.Playbooks.Planning;
using Orleans.Workflow.Playbooks.Runs;
using Orleans.Workflow.Playbooks.Syntax;
using Orleans.Workflow.Triggers;
namespace Orleans.Workflow.Runs;

// Waiting for the run's end, and the run's signals: it keeps those sent before a step waits, and the steps that wait.
public sealed partial class RunGrain
{
    public async Task<WorkStatus?> WaitForEndAsync(TimeSpan timeout)
    {
        if (S.Request is null)
        {
            return null;
        }

        if (!S.Status.IsFinal())
        {
            var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add(waiter);
            try
            {
                await waiter.Task.WaitAsync(timeout, time);
            }
            catch (TimeoutException)
            {
                _waiters.Remove(waiter);
            }
        }

        return S.Status;
    }

    public async Task AwaitSignalAsync(string name, string stepKey)
    {
        if (S.Request is null || S.Status.IsFinal())
        {
            return;
        }

        if (S.PendingSignals.Remove(name, out var payload))
        {
            await state.WriteAsync(this, logger);
            if (await GrainFactory.GetGrain<IStepGrain>(stepKey).SignalAsync(name, payload))
            {
                return;
            }

            S.PendingSignals[name] = payload; // The step no longer waits: keep the signal for the next one.
        }

        if (!S.SignalWaiters.TryGetValue(name, out var waiting))
        {
            S.SignalWaiters[name] = waiting = [];
        }

        if (!waiting.Contains(stepKey))
        {
            waiting.Add(stepKey);
        }

        await state.WriteAsync(this, logger);
    }

    public async Task<ControlResult> SignalAsync(string name, string payloadJson)
    {
        if (S.Request is null)
        {
            return ControlResult.Missing($"run {RunId} does not exist");
        }

        if (S.Status.IsFinal())
        {
            return ControlResult.No($"run {RunId} already {S.Status.Name()}; nothing waits for signal '{name}'");
        }

        if (S.SignalWaiters.Remove(name, out var steps))
        {
            var delivered = new List<string>();
            foreach (var key in steps)
            {
                if (await GrainFactory.GetGrain<IStepGrain>(key).SignalAsync(name, payloadJson))
                {
                    delivered.Add(key);
                }
            }

            if (delivered.Count > 0)
            {
                await state.WriteAsync(this, logger);
                return ControlResult.Done($"signal '{name}' delivered to {string.Join(", ", delivered)}");
            }
        }

        S.PendingSignals[name] = payloadJson;
        await state.WriteAsync(this, logger);
        return ControlResult.Done($"signal '{name}' kept for run {RunId}: delivered when a step waits for it");
    }
}
