namespace CrafyCaptcha.Server.Flows;

/// <summary>Store calls the engine sends together: one round trip on a store on a server.</summary>
internal static class StoreCalls
{
    /// <summary>
    /// Awaits two independent store calls made one after the other, both sent before either is awaited: on a store on a
    /// server (Redis) they share one round trip, as StackExchange.Redis pipelines what is sent before it is awaited; in
    /// memory both are done at once. A failure of either is thrown (the first's when both fail), and both are observed.
    /// </summary>
    public static ValueTask BothAsync(ValueTask first, ValueTask second)
    {
        if (first.IsCompletedSuccessfully && second.IsCompletedSuccessfully)
        {
            first.GetAwaiter().GetResult();
            second.GetAwaiter().GetResult();
            return default;
        }

        return new ValueTask(Task.WhenAll(first.AsTask(), second.AsTask()));
    }

    /// <inheritdoc cref="BothAsync(ValueTask, ValueTask)"/>
    public static async ValueTask<(T1 First, T2 Second)> BothAsync<T1, T2>(ValueTask<T1> first, ValueTask<T2> second)
    {
        if (first.IsCompletedSuccessfully && second.IsCompletedSuccessfully)
        {
            return (first.Result, second.Result);
        }

        Task<T1> one = first.AsTask();
        Task<T2> two = second.AsTask();
        await Task.WhenAll(one, two).ConfigureAwait(false);
        return (one.Result, two.Result);
    }
}
