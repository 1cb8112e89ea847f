namespace Orleans.Workflow.Client;

/// <summary>A playbook did not pass validation; <see cref="Errors"/> are <c>file:line:col: error: message</c> lines.</summary>
public sealed class PlaybookInvalidException : Exception
{
    public PlaybookInvalidException()
        : this([])
    {
    }

    public PlaybookInvalidException(string message)
        : this([message])
    {
    }

    public PlaybookInvalidException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [message];
    }

    public PlaybookInvalidException(IReadOnlyList<string> errors)
        : base(string.Join(Environment.NewLine, errors))
    {
        Errors = errors;
    }

    public IReadOnlyList<string> Errors { get; }
}

/// <summary>A run could not start: unknown playbook, bad params. <see cref="Errors"/> name the param or playbook.</summary>
public sealed class RunNotStartedException : Exception
{
    public RunNotStartedException()
        : this([])
    {
    }

    public RunNotStartedException(string message)
        : this([message])
    {
    }

    public RunNotStartedException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [message];
    }

    public RunNotStartedException(IReadOnlyList<string> errors)
        : base(string.Join(Environment.NewLine, errors))
    {
        Errors = errors;
    }

    public IReadOnlyList<string> Errors { get; }
}

/// <summary>No run has this id.</summary>
public sealed class RunNotFoundException : Exception
{
    public RunNotFoundException()
    {
    }

    public RunNotFoundException(string runId)
        : base($"run {runId} does not exist")
    {
    }

    public RunNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
