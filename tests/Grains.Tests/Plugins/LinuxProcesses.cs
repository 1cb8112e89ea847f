using System.Globalization;

namespace Orleans.Workflow.Grains.Tests.Plugins;

/// <summary>What /proc says about processes: enough to check that a process tree is really gone.</summary>
public static class LinuxProcesses
{
    /// <summary>A process as identified by its pid and start time, so a reused pid is not mistaken for it.</summary>
    public readonly record struct ProcessId(int Pid, long StartTime, string Command)
    {
        public override string ToString() => $"{Pid} ({Command})";
    }

    /// <summary>The process, or null when /proc has no live process with that pid (gone, or a zombie).</summary>
    public static ProcessId? Find(int pid)
    {
        var stat = ReadStat(pid);
        if (stat is null || stat.Value.State is 'Z' or 'X')
        {
            return null;
        }

        return new ProcessId(pid, stat.Value.StartTime, stat.Value.Command);
    }

    /// <summary>True while the process runs (not a zombie, and its pid was not reused by another process).</summary>
    public static bool IsAlive(ProcessId process) => Find(process.Pid) is { } now && now.StartTime == process.StartTime;

    /// <summary>Every live descendant of <paramref name="pid"/> (children, their children, …).</summary>
    public static IReadOnlyList<ProcessId> Descendants(int pid)
    {
        var children = new Dictionary<int, List<int>>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var candidate))
            {
                continue;
            }

            if (ReadStat(candidate) is { } stat && stat.State is not ('Z' or 'X'))
            {
                if (!children.TryGetValue(stat.ParentPid, out var list))
                {
                    children[stat.ParentPid] = list = [];
                }

                list.Add(candidate);
            }
        }

        var result = new List<ProcessId>();
        var pending = new Queue<int>([pid]);
        while (pending.TryDequeue(out var parent))
        {
            foreach (var child in children.GetValueOrDefault(parent) ?? [])
            {
                if (Find(child) is { } found)
                {
                    result.Add(found);
                    pending.Enqueue(child);
                }
            }
        }

        return result;
    }

    /// <summary>Reads a pid that a test script wrote to a file.</summary>
    public static int ReadPidFile(string path) => int.Parse(File.ReadAllText(path).Trim(), CultureInfo.InvariantCulture);

    private static (char State, int ParentPid, long StartTime, string Command)? ReadStat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        // "pid (comm) state ppid ... starttime(22nd field) ...": comm may contain spaces and parentheses.
        var open = text.IndexOf('(', StringComparison.Ordinal);
        var close = text.LastIndexOf(')');
        if (open < 0 || close < open)
        {
            return null;
        }

        var fields = text[(close + 2)..].Split(' ');
        return (
            fields[0][0],
            int.Parse(fields[1], CultureInfo.InvariantCulture),
            long.Parse(fields[19], CultureInfo.InvariantCulture),
            text[(open + 1)..close]);
    }
}
