using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.Workflow.Postgres.Tests.Infrastructure;

namespace Orleans.Workflow.Postgres.Tests.Providers;

/// <summary>Orleans' ADO.NET reminder table (as UseWorkflowPostgres sets it up) against our reminder queries.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ReminderTableTests(PostgresFixture fixture)
{
    private static readonly DateTime Start = new(2025, 3, 1, 12, 0, 0, DateTimeKind.Utc);

    [Fact]
    public async Task UpsertReadRemove_KeepVersionsPerReminder()
    {
        await using var silo = await StartAsync();
        var table = silo.Silo.Host.Services.GetRequiredService<IReminderTable>();
        var grain = GrainId.Create("probe", "reminders");

        var etag = await table.UpsertRow(Entry(grain, "a", TimeSpan.FromMinutes(1)));
        Assert.Equal("0", etag);
        Assert.Equal("1", await table.UpsertRow(Entry(grain, "a", TimeSpan.FromMinutes(2))));
        Assert.Equal("0", await table.UpsertRow(Entry(grain, "b", TimeSpan.FromDays(60))));

        var a = (await table.ReadRow(grain, "a"))!;
        Assert.Equal(TimeSpan.FromMinutes(2), a.Period);
        Assert.Equal(Start, a.StartAt);
        Assert.Equal("1", a.ETag);
        Assert.Equal(TimeSpan.FromDays(60), (await table.ReadRow(grain, "b"))!.Period);
        Assert.Equal(["a", "b"], (await table.ReadRows(grain)).Reminders.Select(r => r.ReminderName).Order());
        Assert.Null(await table.ReadRow(grain, "missing"));

        Assert.False(await table.RemoveRow(grain, "a", "0"));
        Assert.True(await table.RemoveRow(grain, "a", "1"));
        Assert.Equal(["b"], (await table.ReadRows(grain)).Reminders.Select(r => r.ReminderName));
    }

    [Fact]
    public async Task ReadRange_IsBeginExclusiveEndInclusive_AndWrapsAroundTheRing()
    {
        await using var silo = await StartAsync();
        var table = silo.Silo.Host.Services.GetRequiredService<IReminderTable>();
        var grains = Enumerable.Range(0, 64).Select(i => GrainId.Create("probe", $"ring-{i}")).ToList();
        foreach (var grain in grains)
        {
            await table.UpsertRow(Entry(grain, "r", TimeSpan.FromMinutes(1)));
        }

        var hashes = grains.Select(g => g.GetUniformHashCode()).Order().ToList();
        var ranges = new List<(uint Begin, uint End)>
        {
            (0, uint.MaxValue),
            (hashes[3], hashes[20]),                    // inside, with rows on both edges
            (hashes[10], hashes[50]),
            (0x10000000, 0x90000000),                   // crosses the signed boundary without wrapping
            (0xF0000000, 0x20000000),                   // wraps around
            (hashes[60], hashes[5]),                    // wraps, with rows on both edges
            (0x7FFFFFFF, 0x80000000),
            (hashes[7], hashes[7]),                     // the whole ring
        };

        foreach (var (begin, end) in ranges)
        {
            var expected = grains.Where(g => InRange(g.GetUniformHashCode(), begin, end)).Select(g => g.ToString()).Order().ToList();
            var actual = (await table.ReadRows(begin, end)).Reminders.Select(r => r.GrainId.ToString()).Order().ToList();
            Assert.True(expected.SequenceEqual(actual), $"range ({begin:X8}, {end:X8}]: expected {expected.Count} rows, got {actual.Count}");
        }
    }

    /// <summary>Orleans' ring range: (begin, end], wrapping past uint.MaxValue when begin >= end.</summary>
    private static bool InRange(uint hash, uint begin, uint end) =>
        begin < end ? hash > begin && hash <= end : hash > begin || hash <= end;

    private static ReminderEntry Entry(GrainId grain, string name, TimeSpan period) =>
        new() { GrainId = grain, ReminderName = name, StartAt = Start, Period = period };

    private async Task<PostgresSiloWithDatabase> StartAsync()
    {
        var database = await fixture.Server.CreateDatabaseAsync();
        return new(await PostgresSilo.StartAsync(database, "reminders-" + Guid.NewGuid().ToString("N")[..8]), database);
    }
}
