using System.CommandLine;
using SwarmMerge.Cli;

var root = new RootCommand("SwarmMerge: merge fine-tuned experts of one base model into a single model, and score the result.");
root.Subcommands.Add(MergeCommand.Create());
root.Subcommands.Add(EvalCommand.Create());
root.Subcommands.Add(SearchCommand.Create());
root.Subcommands.Add(WorkerCommand.Create());
root.Subcommands.Add(DemoCommand.Create());
root.Subcommands.Add(InferenceCommands.Run());
root.Subcommands.Add(InferenceCommands.Classify());
return CliRunner.Run(root, args);
