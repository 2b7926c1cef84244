using System.Net;
using CrafyCaptcha.Server.State;
using Microsoft.Extensions.DependencyInjection;

namespace CrafyCaptcha.Server.Tests.State;

/// <summary>
/// The engine sends some independent store calls together (an eo's spent check and its load count; the flow record and
/// its proof-of-work mark; the answer's proof-of-work mark and flow; the spent mark and the completed flow), so that a store on a server answers them in one
/// round trip. Against a store that answers later, as Redis does, and fails one call of a pair: the step fails closed
/// (503) and the next flow passes.
/// </summary>
public sealed class PairedStoreCallsTests
{
    [Fact]
    public async Task A_store_that_answers_later_serves_whole_passes()
    {
        var store = new LaterStore();
        using var engine = new EngineApp(services: s => s.AddSingleton<IChallengeStateStore>(sp => store.Over(sp)));

        for (int i = 0; i < 3; i++)
        {
            (string flowToken, _) = await RestApi.CompleteFlowAsync(engine);
            Assert.False(string.IsNullOrEmpty(flowToken));
        }

        Assert.True(store.Deferred > 0, "the store should have answered later");
    }

    [Theory]
    [InlineData("get", "eo-spent:")] // the eo's spent check fails, its load is counted
    [InlineData("increment", "eo-loads:")] // the load count fails, the spent check answers
    [InlineData("set", "flow:")] // the flow record fails, its proof-of-work mark is saved
    [InlineData("set", "pow:")] // the proof-of-work mark fails, the flow record is saved
    public async Task A_failed_call_of_either_half_fails_the_challenge_load_and_the_next_flow_passes(string operation, string failing)
    {
        var store = new LaterStore();
        using var engine = new EngineApp(services: s => s.AddSingleton<IChallengeStateStore>(sp => store.Over(sp)));
        PageInit page = await engine.OpenPageAsync("/Comments");
        string eo = await engine.GetEoAsync(page, "comments");

        store.FailNext(operation, failing);
        using HttpResponseMessage refused = await engine.LoadChallengeAsync(page.PublicToken, eo);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal(0, store.PendingFailures);
        (string flowToken, _) = await RestApi.CompleteFlowAsync(engine);
        Assert.False(string.IsNullOrEmpty(flowToken));
    }

    [Theory]
    [InlineData("take", "pow:")] // the answer's proof-of-work mark
    [InlineData("take", "flow:")] // the answer's flow
    [InlineData("set", "eo-spent:")] // the spent mark, sent with the completed flow
    [InlineData("set", "flow-done:")] // the completed flow, sent with the spent mark
    public async Task A_failed_call_of_a_pair_refuses_the_answer_without_a_token(string operation, string failing)
    {
        var store = new LaterStore();
        using var engine = new EngineApp(services: s => s.AddSingleton<IChallengeStateStore>(sp => store.Over(sp)));
        PageInit page = await engine.OpenPageAsync("/Comments");
        ChallengePage challenge = EngineApp.ReadChallenge(await (await engine.LoadChallengeAsync(page.PublicToken, await engine.GetEoAsync(page, "comments"))).Content.ReadAsStringAsync());

        store.FailNext(operation, failing);
        using HttpResponseMessage answer = await engine.AnswerAsync(challenge.FlowToken, challenge.Pow, EngineApp.Solve(challenge.Pow));
        string body = await answer.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.StatusCode);
        Assert.DoesNotContain("server_sign", body, StringComparison.Ordinal);
        Assert.Equal(0, store.PendingFailures);
        (string flowToken, _) = await RestApi.CompleteFlowAsync(engine);
        Assert.False(string.IsNullOrEmpty(flowToken));
    }

    /// <summary>The real in-memory store behind a yield (each call completes later, as a network store's does); one call can be made to fail.</summary>
    private sealed class LaterStore : IChallengeStateStore
    {
        private IChallengeStateStore _inner = null!;
        private (string Operation, string Prefix)? _fail;
        private int _deferred;

        public int Deferred => Volatile.Read(ref _deferred);

        public int PendingFailures => _fail is null ? 0 : 1;

        public IChallengeStateStore Over(IServiceProvider services)
        {
            _inner = ActivatorUtilities.CreateInstance<InMemoryChallengeStateStore>(services);
            return this;
        }

        public void FailNext(string operation, string prefix) => _fail = (operation, prefix);

        public async ValueTask SetAsync(string key, ReadOnlyMemory<byte> value, TimeSpan timeToLive, CancellationToken cancellationToken = default)
        {
            await LaterAsync("set", key);
            await _inner.SetAsync(key, value, timeToLive, cancellationToken);
        }

        public async ValueTask<bool> TryAddAsync(string key, ReadOnlyMemory<byte> value, TimeSpan timeToLive, CancellationToken cancellationToken = default)
        {
            await LaterAsync("tryadd", key);
            return await _inner.TryAddAsync(key, value, timeToLive, cancellationToken);
        }

        public async ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default)
        {
            await LaterAsync("get", key);
            return await _inner.GetAsync(key, cancellationToken);
        }

        public async ValueTask<byte[]?> TakeAsync(string key, CancellationToken cancellationToken = default)
        {
            await LaterAsync("take", key);
            return await _inner.TakeAsync(key, cancellationToken);
        }

        public async ValueTask<long> IncrementAsync(string key, TimeSpan timeToLive, CancellationToken cancellationToken = default)
        {
            await LaterAsync("increment", key);
            return await _inner.IncrementAsync(key, timeToLive, cancellationToken);
        }

        public async ValueTask<long> GetCountAsync(string key, CancellationToken cancellationToken = default)
        {
            await LaterAsync("count", key);
            return await _inner.GetCountAsync(key, cancellationToken);
        }

        private async Task LaterAsync(string operation, string key)
        {
            await Task.Yield();
            Interlocked.Increment(ref _deferred);
            if (_fail is { } fail && fail.Operation == operation && key.StartsWith(fail.Prefix, StringComparison.Ordinal))
            {
                _fail = null;
                throw new ChallengeStateUnavailableException("test outage");
            }
        }
    }
}
