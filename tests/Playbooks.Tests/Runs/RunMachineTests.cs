using Orleans.Workflow.Playbooks.Runs;

namespace Orleans.Workflow.Playbooks.Tests.Runs;

public sealed class RunMachineTests
{
    private static readonly RunLife Admitting = new(RunPhase.Admitting, RunAdmission.Waiting);

    [Fact]
    public void Start_Ungated_RunsAndAdvances()
    {
        var start = RunMachine.Start(gated: false);

        Assert.Equal(RunPhase.Running, start.Life.Phase);
        Assert.Equal(RunAdmission.None, start.Life.Admission);
        Assert.Equal(RunEffects.Advance, start.Effects);
    }

    [Fact]
    public void Start_Gated_WaitsForItsSlotAndAsks()
    {
        var start = RunMachine.Start(gated: true);

        Assert.Equal(Admitting, start.Life);
        Assert.False(start.Life.StartsTasks);
        Assert.Equal(RunEffects.AskAdmission, start.Effects);
    }

    [Fact]
    public void Answered_AdmittedAtFirst_HoldsASlotAndAdvancesQuietly()
    {
        var answer = RunMachine.Answered(Admitting, AdmissionAnswer.Admitted, first: true);

        Assert.Equal(new RunLife(RunPhase.Running, RunAdmission.Holding), answer.Life);
        Assert.Equal(RunEffects.Advance, answer.Effects);
    }

    [Fact]
    public void Answered_WaitingAtFirst_IsAnnouncedAndStartsNothing()
    {
        var answer = RunMachine.Answered(Admitting, AdmissionAnswer.Waiting, first: true);

        Assert.Equal(Admitting, answer.Life);
        Assert.Equal(RunEffects.Announce, answer.Effects);
    }

    [Fact]
    public void Answered_AdmittedLater_IsAnnouncedAndAdvances()
    {
        var answer = RunMachine.Answered(Admitting, AdmissionAnswer.Admitted, first: false);

        Assert.Equal(RunPhase.Running, answer.Life.Phase);
        Assert.Equal(RunEffects.Announce | RunEffects.Advance, answer.Effects);
    }

    [Fact]
    public void Answered_LateNoticeToARunAlreadyHoldingItsSlot_ChangesNothing()
    {
        var holding = new RunLife(RunPhase.Running, RunAdmission.Holding);

        var answer = RunMachine.Answered(holding, AdmissionAnswer.Admitted, first: false);

        Assert.Same(holding, answer.Life);
        Assert.Equal(RunEffects.None, answer.Effects);
    }

    [Fact]
    public void Answered_Skipped_EndsAnnouncedWithoutASlot()
    {
        var answer = RunMachine.Answered(Admitting, AdmissionAnswer.Skipped, first: true);

        Assert.Equal(RunPhase.Ended, answer.Life.Phase);
        Assert.Equal(RunAdmission.None, answer.Life.Admission);
        Assert.True(answer.Has(RunEffects.Write | RunEffects.Announce));
    }

    [Fact]
    public void Answered_AdmittedWhilePaused_HoldsTheSlotAndStaysPaused()
    {
        var paused = RunMachine.Pause(Admitting).Life;

        var answer = RunMachine.Answered(paused, AdmissionAnswer.Admitted, first: false);

        Assert.Equal(new RunLife(RunPhase.Paused, RunAdmission.Holding), answer.Life);
        Assert.False(answer.Life.StartsTasks);
    }

    [Fact]
    public void Pause_Running_WritesAnnouncesAndPausesTasks()
    {
        var pause = RunMachine.Pause(RunLife.New);

        Assert.Equal(RunPhase.Paused, pause.Life.Phase);
        Assert.Equal(RunEffects.Write | RunEffects.Announce | RunEffects.PauseTasks, pause.Effects);
    }

    [Theory]
    [InlineData(RunPhase.Paused, "already paused")]
    [InlineData(RunPhase.Stopping, "stopping")]
    [InlineData(RunPhase.Ending, "ended")]
    [InlineData(RunPhase.Ended, "ended")]
    public void Pause_WhereItMeansNothing_IsRefusedAndChangesNothing(RunPhase phase, string refusal)
    {
        var life = new RunLife(phase);

        var pause = RunMachine.Pause(life);

        Assert.Equal(refusal, pause.Refusal);
        Assert.Same(life, pause.Life);
        Assert.Equal(RunEffects.None, pause.Effects);
    }

    [Fact]
    public void Resume_PausedWhileWaitingForItsSlot_WaitsAgain()
    {
        var resume = RunMachine.Resume(RunMachine.Pause(Admitting).Life);

        Assert.Equal(Admitting, resume.Life);
        Assert.Equal(RunEffects.Announce | RunEffects.Advance | RunEffects.ResumeTasks, resume.Effects);
    }

    [Fact]
    public void Resume_NotPaused_IsRefused()
    {
        Assert.Equal("not paused", RunMachine.Resume(RunLife.New).Refusal);
        Assert.Equal("ended", RunMachine.Resume(new RunLife(RunPhase.Ended)).Refusal);
    }

    [Theory]
    [InlineData(StopCause.Cancelled)]
    [InlineData(StopCause.TimedOut)]
    public void Stop_CancelOrTimeout_CancelsTasksAndEndsNow(StopCause cause)
    {
        var stop = RunMachine.Stop(RunLife.New, cause, "why");

        Assert.Equal(new RunLife(RunPhase.Stopping, RunAdmission.None, cause, "why"), stop.Life);
        Assert.Equal(RunEffects.Write | RunEffects.CancelTasks | RunEffects.Complete, stop.Effects);
    }

    [Fact]
    public void Stop_FailFast_CancelsTasksAndLetsThemEnd()
    {
        var stop = RunMachine.Stop(RunLife.New, StopCause.FailFast, "fail_fast: task 'a' failed");

        Assert.Equal(RunPhase.Stopping, stop.Life.Phase);
        Assert.False(stop.Life.StartsTasks);
        Assert.False(stop.Has(RunEffects.Complete));
        Assert.True(stop.Has(RunEffects.CancelTasks));
    }

    [Fact]
    public void Stop_SecondFailFast_KeepsTheFirstReason()
    {
        var stopping = RunMachine.Stop(RunLife.New, StopCause.FailFast, "first").Life;

        var again = RunMachine.Stop(stopping, StopCause.FailFast, "second");

        Assert.Equal("first", again.Life.StopReason);
        Assert.Equal(RunEffects.None, again.Effects);
    }

    [Fact]
    public void Stop_CancelWhileFailFastStopping_EndsCancelledNow()
    {
        var stopping = RunMachine.Stop(RunLife.New, StopCause.FailFast, "first").Life;

        var cancel = RunMachine.Stop(stopping, StopCause.Cancelled, "operator");

        Assert.Equal(StopCause.Cancelled, cancel.Life.Stop);
        Assert.True(cancel.Has(RunEffects.Complete));
    }

    [Fact]
    public void Stop_Over_ChangesNothing()
    {
        var ended = new RunLife(RunPhase.Ended);

        Assert.Same(ended, RunMachine.Stop(ended, StopCause.TimedOut, "late timer").Life);
    }

    [Theory]
    [InlineData(null, false, RunEnd.Succeeded)]
    [InlineData(null, true, RunEnd.Failed)]
    [InlineData(StopCause.FailFast, true, RunEnd.Failed)]
    [InlineData(StopCause.Cancelled, true, RunEnd.Cancelled)]
    [InlineData(StopCause.TimedOut, false, RunEnd.TimedOut)]
    public void Outcome_ByStopCauseThenTasks(StopCause? cause, bool anyTaskFailed, RunEnd expected)
    {
        var life = new RunLife(RunPhase.Running, Stop: cause);

        Assert.Equal(expected, RunMachine.Outcome(life, anyTaskFailed));
    }

    [Fact]
    public void Ended_NotAnnounced_IsEndingUntilItIs()
    {
        var ending = RunMachine.Ended(RunLife.New, announced: false);

        Assert.Equal(RunPhase.Ending, ending.Phase);
        Assert.True(ending.IsOver);
        Assert.Equal(RunPhase.Ended, RunMachine.Ended(ending, announced: true).Phase);
    }

    [Fact]
    public void RetryRefusal_WhileAnnouncingOrNotEnded_SaysWhy()
    {
        Assert.Equal("announcing", RunMachine.RetryRefusal(new RunLife(RunPhase.Ending)));
        Assert.Equal("not ended", RunMachine.RetryRefusal(RunLife.New));
        Assert.Equal("not ended", RunMachine.RetryRefusal(new RunLife(RunPhase.Stopping, Stop: StopCause.FailFast)));
    }

    [Fact]
    public void RetryRefusal_Ended_NoneAndTheRetryStartsAgainWithoutItsStop()
    {
        var ended = new RunLife(RunPhase.Ended, RunAdmission.Holding, StopCause.Cancelled, "operator");

        Assert.Null(RunMachine.RetryRefusal(ended));
        var retry = RunMachine.Start(gated: true);
        Assert.Equal(Admitting, retry.Life);
        Assert.Equal(RunEffects.AskAdmission, retry.Effects);
    }
}
