namespace Orleans.Workflow.Playbooks.Tests.Validation;

public class ExamplePlaybookTests
{
    public static TheoryData<string> ExampleFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(ExamplesFolder(), "*.yaml").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Fact]
    public void ExamplesFolder_FoundFromTestOutput_HoldsPlaybooks()
    {
        Assert.True(Directory.GetFiles(ExamplesFolder(), "*.yaml").Length >= 5);
    }

    [Theory]
    [MemberData(nameof(ExampleFiles))]
    public void LoadFile_Example_IsValid(string name)
    {
        var path = Path.Combine(ExamplesFolder(), name);
        var result = PlaybookLoader.LoadFile(path);
        Assert.True(result.IsValid, $"{name} is invalid:\n{PlaybookText.Describe(result.Diagnostics)}");
        Assert.Equal(Path.GetFileNameWithoutExtension(name), result.Playbook!.Name);
        Assert.Equal(path, result.Playbook.File);
    }

    [Theory]
    [MemberData(nameof(ExampleFiles))]
    public void LoadFile_ExampleWithWindowsLineEndings_IsValidWithSameVersion(string name)
    {
        var path = Path.Combine(ExamplesFolder(), name);
        var text = File.ReadAllText(path);
        var unix = PlaybookLoader.Load(text, name);
        var windows = PlaybookLoader.Load(text.Replace("\n", "\r\n", StringComparison.Ordinal), name);
        Assert.True(windows.IsValid, PlaybookText.Describe(windows.Diagnostics));
        Assert.Equal(unix.Playbook!.Version, windows.Playbook!.Version);
    }

    internal static string ExamplesFolder()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Orleans.Workflow.sln")))
        {
            directory = directory.Parent;
        }

        Assert.True(directory is not null, "no folder holding Orleans.Workflow.sln above " + AppContext.BaseDirectory);
        return Path.Combine(directory.FullName, "examples", "playbooks");
    }
}
