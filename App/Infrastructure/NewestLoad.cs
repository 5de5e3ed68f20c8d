namespace Undb.Infrastructure;

/// <summary>
/// Loads that may overlap and finish in any order, where only the newest counts: every caller gets the answer of the
/// newest load started so far, so a slow stale load that finishes last cannot overwrite a fresh one (a grid keeps
/// whichever answer arrives last). A load called off because a newer one started answers with the newer one's result.
/// For a component's renderer, which runs one piece at a time: not for concurrent threads.
/// </summary>
public sealed class NewestLoad<T>
{
    private Task<T>? _newest;

    public async Task<T> RunAsync(Task<T> load)
    {
        _newest = load;
        while (true)
        {
            try
            {
                var result = await load;
                if (ReferenceEquals(load, _newest))
                {
                    return result;
                }
            }
            catch (OperationCanceledException) when (!ReferenceEquals(load, _newest))
            {
                // Called off because a newer load started: its answer is this one's too.
            }
            load = _newest!;
        }
    }
}
