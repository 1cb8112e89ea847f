using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.Workflow.Runs;
using Orleans.Workflow.Steps;
using Orleans.Workflow.Storage;

namespace Orleans.Workflow.Grains.Tests.Storage;

public sealed class InProcessGrainStorageTests
{
    private static readonly GrainId Grain = GrainId.Create("step", "run-1/task/0/a");

    private static InProcessGrainStorage NewStorage()
    {
        var services = new ServiceCollection().AddSerializer().BuildServiceProvider();
        return new InProcessGrainStorage(ActivatorUtilities.CreateInstance<OrleansGrainStorageSerializer>(services));
    }

    [Fact]
    public async Task Read_NothingWritten_GivesNewStateWithoutRecord()
    {
        var state = new GrainState<StepGrainState>();

        await NewStorage().ReadStateAsync("step", Grain, state);

        Assert.False(state.RecordExists);
        Assert.Null(state.ETag);
        Assert.Equal(WorkStatus.Pending, state.State!.Status);
    }

    [Fact]
    public async Task Write_ThenRead_RoundTripsAndLaterChangesDoNotLeakIn()
    {
        var storage = NewStorage();
        var written = new GrainState<StepGrainState>(new StepGrainState { Status = WorkStatus.Running, Attempts = 2 });
        await storage.WriteStateAsync("step", Grain, written);
        written.State!.Attempts = 99;

        var read = new GrainState<StepGrainState>();
        await storage.ReadStateAsync("step", Grain, read);

        Assert.True(read.RecordExists);
        Assert.Equal(written.ETag, read.ETag);
        Assert.Equal(WorkStatus.Running, read.State!.Status);
        Assert.Equal(2, read.State!.Attempts);
    }

    [Fact]
    public async Task Write_WithStaleETag_ThrowsInconsistentStateAndKeepsTheStoredState()
    {
        var storage = NewStorage();
        var first = new GrainState<StepGrainState>(new StepGrainState { Attempts = 1 });
        await storage.WriteStateAsync("step", Grain, first);
        var second = new GrainState<StepGrainState>();
        await storage.ReadStateAsync("step", Grain, second);
        second.State!.Attempts = 2;
        await storage.WriteStateAsync("step", Grain, second);

        first.State!.Attempts = 3;
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("step", Grain, first));

        var read = new GrainState<StepGrainState>();
        await storage.ReadStateAsync("step", Grain, read);
        Assert.Equal(2, read.State!.Attempts);
    }

    [Fact]
    public async Task Write_NewRecordWithAnETag_ThrowsInconsistentState()
    {
        var state = new GrainState<StepGrainState>(new StepGrainState()) { ETag = "42" };

        await Assert.ThrowsAsync<InconsistentStateException>(() => NewStorage().WriteStateAsync("step", Grain, state));
    }

    [Fact]
    public async Task Clear_RemovesTheRecord()
    {
        var storage = NewStorage();
        var state = new GrainState<StepGrainState>(new StepGrainState { Attempts = 1 });
        await storage.WriteStateAsync("step", Grain, state);

        await storage.ClearStateAsync("step", Grain, state);

        var read = new GrainState<StepGrainState>();
        await storage.ReadStateAsync("step", Grain, read);
        Assert.False(read.RecordExists);
    }

    [Fact]
    public async Task Write_SameGrainUnderTwoStateNames_KeepsTwoRecords()
    {
        var storage = NewStorage();
        await storage.WriteStateAsync("step", Grain, new GrainState<StepGrainState>(new StepGrainState { Attempts = 1 }));
        await storage.WriteStateAsync("other", Grain, new GrainState<StepGrainState>(new StepGrainState { Attempts = 5 }));

        var read = new GrainState<StepGrainState>();
        await storage.ReadStateAsync("step", Grain, read);
        Assert.Equal(1, read.State!.Attempts);
    }
}
