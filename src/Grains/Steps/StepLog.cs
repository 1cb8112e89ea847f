using System.Text;

namespace Orleans.Workflow.Steps;

/// <summary>
/// One attempt's log lines (a <c>shell</c> step's stdout and stderr, line by line), published live as events up
/// to <c>Workflow:StepLogMaxBytes</c>; past that only the last <c>Workflow:StepLogTailLines</c> lines are kept, and when the attempt ends a line says how many were dropped, followed by that tail.
/// Thread-safe: a plugin writes from its own threads.
/// </summary>
internal sealed class StepLog(Action<string, int> publish, int maxBytes, int tailLines)
{
    private readonly Queue<string> _tail = new();
    private readonly object _gate = new();
    private long _bytes;
    private long _droppedLines;
    private long _droppedBytes;
    private int _number;
    private bool _full;

    public void Write(string line)
    {
        var size = Encoding.UTF8.GetByteCount(line) + 1;
        lock (_gate)
        {
            if (!_full && _bytes + size <= maxBytes)
            {
                _bytes += size;
                publish(line, ++_number);
                return;
            }

            _full = true;
            _tail.Enqueue(line);
            if (_tail.Count > tailLines)
            {
                var dropped = _tail.Dequeue();
                _droppedLines++;
                _droppedBytes += Encoding.UTF8.GetByteCount(dropped) + 1;
            }
        }
    }

    /// <summary>At the attempt's end: the note on what was dropped, then the kept tail.</summary>
    public void Flush()
    {
        lock (_gate)
        {
            if (_droppedLines > 0)
            {
                publish($"[owf: {_droppedLines:N0} lines ({_droppedBytes:N0} bytes) dropped here: a step's log keeps its first {maxBytes:N0} bytes and its last {tailLines:N0} lines]", ++_number);
            }

            while (_tail.TryDequeue(out var line))
            {
                publish(line, ++_number);
            }
        }
    }
}
