// The generated fetch client names the DOM's BodyInit; under Node's types (no DOM lib) it is what a Response takes.
type BodyInit = NonNullable<ConstructorParameters<typeof Response>[0]>;
