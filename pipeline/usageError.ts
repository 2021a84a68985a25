// An error in the driver's arguments or environment: reported without a stack trace, exit code 2.

export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}
