using Orleans.Workflow.Playbooks.Runs;

namespace Orleans.Workflow.Runs;

/// <summary>
/// How a <see cref="RunLife"/> (a plain record of the Orleans-free <c>Playbooks</c> assembly) is stored in the run's
/// state. Its enums are kept by number (<see cref="RunLifeSurrogate.Stop"/>: the cause plus one, 0 for none): add new values at the end, never renumber.
/// </summary>
[GenerateSerializer]
[Alias("owf.RunLife")]
public readonly record struct RunLifeSurrogate(
    [property: Id(0)] int Phase,
    [property: Id(1)] int Admission,
    [property: Id(2)] int Stop,
    [property: Id(3)] string? StopReason);

[RegisterConverter]
public sealed class RunLifeSurrogateConverter : IConverter<RunLife, RunLifeSurrogate>
{
    public RunLife ConvertFromSurrogate(in RunLifeSurrogate surrogate) =>
        new((RunPhase)surrogate.Phase, (RunAdmission)surrogate.Admission, surrogate.Stop == 0 ? null : (StopCause)(surrogate.Stop - 1), surrogate.StopReason);

    public RunLifeSurrogate ConvertToSurrogate(in RunLife value) =>
        new((int)value.Phase, (int)value.Admission, value.Stop is { } cause ? (int)cause + 1 : 0, value.StopReason);
}
