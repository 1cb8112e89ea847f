using Orleans.Runtime;
using Orleans.Workflow.Execution;

namespace Orleans.Workflow.Postgres.Tests.Grains;

public sealed class ProbeGrain([PersistentState("probe", WorkflowStorage.Name)] IPersistentState<ProbeState> state)
    : Grain, IProbeGrain, IRemindable
{
    private const string Tick = "tick";
    private readonly Guid _activation = Guid.NewGuid();

    public async Task<int> AddAsync(int amount)
    {
        state.State.Total += amount;
        await state.WriteStateAsync();
        return state.State.Total;
    }

    public Task<ProbeState> GetAsync() => Task.FromResult(state.State);

    public Task<Guid> ActivationAsync() => Task.FromResult(_activation);

    public Task DeactivateAsync()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    public async Task StartTickingAsync(TimeSpan due, TimeSpan period) => await this.RegisterOrUpdateReminder(Tick, due, period);

    public async Task StopTickingAsync()
    {
        var reminder = await this.GetReminder(Tick);
        if (reminder is not null)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        state.State.Ticks++;
        await state.WriteStateAsync();
    }
}
