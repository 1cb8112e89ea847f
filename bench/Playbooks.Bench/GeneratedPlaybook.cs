namespace Orleans.Workflow.Playbooks.Bench;

/// <summary>The generated playbook, checked to be valid before anyone measures it.</summary>
public static class GeneratedPlaybook
{
    public const string FileName = "generated.yaml";

    /// <exception cref="InvalidOperationException">The generator wrote a playbook with diagnostics.</exception>
    public static string Create(int taskCount)
    {
        var text = PlaybookGenerator.Generate(taskCount);
        var result = PlaybookLoader.Load(text, FileName);
        if (!result.IsValid || result.Diagnostics.Count != 0)
        {
            var shown = string.Join(Environment.NewLine, result.Diagnostics.Take(20));
            throw new InvalidOperationException(
                $"the generated {taskCount}-task playbook is not valid ({result.Diagnostics.Count} diagnostics):{Environment.NewLine}{shown}");
        }

        if (result.Playbook!.Tasks.Length != taskCount)
        {
            throw new InvalidOperationException($"the generated playbook has {result.Playbook.Tasks.Length} tasks, not {taskCount}");
        }

        return text;
    }
}
