using System.CommandLine;

// The `recurrent` command. Verbs (train, evaluate, predict, generate, forecast, demo) arrive with the CLI issue;
// for now it answers --help and --version (both provided by System.CommandLine).
var root = new RootCommand("Recurrent: build, train and run SimpleRNN, LSTM and GRU models in .NET.");
return root.Parse(args).Invoke();
