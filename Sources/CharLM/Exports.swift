// `import CharLM` is all a library user needs: the modules beneath come with it (the types a
// caller names: TrainingOptions, SamplingOptions, TrainingEvent, Tokenizer, ModelFile,
// CheckpointError, Parallelism …).
@_exported import Kernels
@_exported import Modeling
@_exported import SafeTensors
@_exported import Sampling
@_exported import Tokenization
@_exported import Training
