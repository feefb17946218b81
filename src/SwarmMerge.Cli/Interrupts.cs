using System.Runtime.InteropServices;

namespace SwarmMerge.Cli;

/// <summary>
/// Turns the first Ctrl-C (SIGINT) or SIGTERM into a cancellation every command watches, so it stops at the next
/// check (between batches, tensors or evaluations) and says how to continue; a second one ends the process at once.
/// </summary>
internal sealed class Interrupts : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly PosixSignalRegistration[] _registrations;

    public Interrupts() =>
        _registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle), PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle)];

    /// <summary>Cancelled by the first signal.</summary>
    public CancellationToken Token => _source.Token;

    private void Handle(PosixSignalContext context)
    {
        if (_source.IsCancellationRequested)
        {
            return; // the second signal: the default action ends the process
        }
        context.Cancel = true;
        Console.Error.WriteLine($"\n{context.Signal}: stopping (send it again to end at once)…");
        _source.Cancel();
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
        _source.Dispose();
    }
}
