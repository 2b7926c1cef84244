using System.Diagnostics;
using System.Text;
using CrafyCaptcha;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

/// <summary>
/// A .NET startup hook (<c>DOTNET_STARTUP_HOOKS</c> = this assembly's path) that <c>pass-cpu memory</c> loads into the
/// sample's process, and nothing else does: when <c>CRAFY_STATE_PEEK_FILE</c> names a file, the engine's state store is
/// wrapped so that each flow record that carries a program's expected result is appended to that file as one line
/// (<c>flow token</c>, a tab, the record's JSON). It is the in-memory twin of the harness's <c>GET</c> of the flow record
/// on Redis: a benchmark's peek at the server's state, nothing a client can do. Its cost (one <c>write</c> per flow) is
/// in the figure it helps to measure, so that figure is an upper bound.
/// </summary>
internal static class StartupHook
{
    /// <summary>Called by the runtime before the sample's <c>Main</c>.</summary>
    public static void Initialize()
    {
        if (Environment.GetEnvironmentVariable("CRAFY_STATE_PEEK_FILE") is { Length: > 0 } path)
        {
            DiagnosticListener.AllListeners.Subscribe(new CrafyCaptcha.Benchmarks.StatePeek.HostObserver(path));
        }
    }
}

namespace CrafyCaptcha.Benchmarks
{
    /// <summary>The state store wrapper of <see cref="StartupHook"/>, and how the harness reads what it wrote.</summary>
    internal static class StatePeek
    {
        private const string FlowPrefix = "flow:";

        /// <summary>
        /// Waits for the host's <c>HostBuilding</c> event (the one <c>WebApplicationFactory</c> uses) and, once the app has
        /// registered its services, wraps the engine's <see cref="IChallengeStateStore"/>.
        /// </summary>
        internal sealed class HostObserver(string path) : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>
        {
            public void OnNext(DiagnosticListener value)
            {
                if (value.Name == "Microsoft.Extensions.Hosting")
                {
                    value.Subscribe(this);
                }
            }

            public void OnNext(KeyValuePair<string, object?> value)
            {
                if (value.Key == "HostBuilding" && value.Value is IHostBuilder builder)
                {
                    builder.ConfigureServices(services =>
                    {
                        ServiceDescriptor engine = services.Last(d => d.ServiceType == typeof(IChallengeStateStore));
                        var file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
                        services.Replace(ServiceDescriptor.Singleton<IChallengeStateStore>(sp => new PeekingStore(
                            engine.ImplementationFactory?.Invoke(sp) as IChallengeStateStore
                                ?? engine.ImplementationInstance as IChallengeStateStore
                                ?? (IChallengeStateStore)ActivatorUtilities.CreateInstance(sp, engine.ImplementationType!),
                            file)));
                    });
                }
            }

            public void OnCompleted()
            {
            }

            public void OnError(Exception error)
            {
            }
        }

        /// <summary>Reads the lines <see cref="PeekingStore"/> appends: the flow records by flow token.</summary>
        internal sealed class Reader(string path) : IDisposable
        {
            private readonly FileStream _file = new(path, FileMode.OpenOrCreate, FileAccess.Read, FileShare.ReadWrite);
            private readonly Dictionary<string, string> _records = new(StringComparer.Ordinal);
            private readonly StringBuilder _partial = new();
            private readonly byte[] _buffer = new byte[64 * 1024];

            /// <summary>The record the server saved for <paramref name="flowToken"/> (it was written before the page was sent).</summary>
            public string RecordOf(string flowToken)
            {
                lock (_records)
                {
                    for (int attempt = 0; !_records.ContainsKey(flowToken) && attempt < 1000; attempt++)
                    {
                        int read = _file.Read(_buffer);
                        if (read == 0)
                        {
                            Thread.Sleep(1);
                            continue;
                        }

                        _partial.Append(Encoding.UTF8.GetString(_buffer, 0, read));
                        string text = _partial.ToString();
                        int end = text.LastIndexOf('\n');
                        foreach (string line in text[..(end + 1)].Split('\n', StringSplitOptions.RemoveEmptyEntries))
                        {
                            int tab = line.IndexOf('\t', StringComparison.Ordinal);
                            _records[line[..tab]] = line[(tab + 1)..];
                        }

                        _partial.Clear().Append(text[(end + 1)..]);
                    }

                    return _records.Remove(flowToken, out string? record) ? record : throw new InvalidOperationException($"no flow record for {flowToken} in {path}");
                }
            }

            public void Dispose() => _file.Dispose();
        }

        /// <summary>The engine's store, unchanged, but for a copy of each flow record with a program.</summary>
        private sealed class PeekingStore(IChallengeStateStore inner, FileStream file) : IChallengeStateStore
        {
            private static readonly byte[] Program = "\"program\""u8.ToArray();

            public ValueTask SetAsync(string key, ReadOnlyMemory<byte> value, TimeSpan timeToLive, CancellationToken cancellationToken = default)
            {
                if (key.StartsWith(FlowPrefix, StringComparison.Ordinal) && value.Span.IndexOf(Program) >= 0)
                {
                    byte[] line = [.. Encoding.UTF8.GetBytes(key[FlowPrefix.Length..] + "\t"), .. value.Span, (byte)'\n'];
                    lock (file)
                    {
                        file.Write(line); // one write(2): the stream has no buffer
                    }
                }

                return inner.SetAsync(key, value, timeToLive, cancellationToken);
            }

            public ValueTask<bool> TryAddAsync(string key, ReadOnlyMemory<byte> value, TimeSpan timeToLive, CancellationToken cancellationToken = default)
                => inner.TryAddAsync(key, value, timeToLive, cancellationToken);

            public ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default) => inner.GetAsync(key, cancellationToken);

            public ValueTask<byte[]?> TakeAsync(string key, CancellationToken cancellationToken = default) => inner.TakeAsync(key, cancellationToken);

            public ValueTask<long> IncrementAsync(string key, TimeSpan timeToLive, CancellationToken cancellationToken = default)
                => inner.IncrementAsync(key, timeToLive, cancellationToken);

            public ValueTask<long> GetCountAsync(string key, CancellationToken cancellationToken = default) => inner.GetCountAsync(key, cancellationToken);

            public ValueTask<ChallengeWindowCount[]> CountWindowsAsync(IReadOnlyList<ChallengeWindowCounter> counters, CancellationToken cancellationToken = default)
                => inner.CountWindowsAsync(counters, cancellationToken);
        }
    }
}
