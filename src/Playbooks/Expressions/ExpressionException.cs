namespace Orleans.Workflow.Playbooks.Expressions;

/// <summary>An expression failed while it was evaluated: it threw, or it hit a sandbox limit.</summary>
public sealed class ExpressionException : Exception
{
    public ExpressionException()
    {
    }

    public ExpressionException(string message)
        : base(message)
    {
    }

    public ExpressionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
