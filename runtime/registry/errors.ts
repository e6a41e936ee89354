// Errors of the control plane, shaped like AWS Lambda's so the aws CLI and SDKs print them
// properly: HTTP status + x-amzn-ErrorType + {"Type","message"}.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    /** The AWS error type (x-amzn-ErrorType), e.g. ResourceNotFoundException. */
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = type;
  }
}

export const notFound = (message: string) => new ApiError(404, 'ResourceNotFoundException', message);
export const conflict = (message: string) => new ApiError(409, 'ResourceConflictException', message);
export const invalid = (message: string) => new ApiError(400, 'InvalidParameterValueException', message);
export const tooLarge = (message: string) => new ApiError(413, 'RequestTooLargeException', message);
export const preconditionFailed = (message: string) => new ApiError(412, 'PreconditionFailedException', message);
export const throttled = (message: string) => new ApiError(429, 'TooManyRequestsException', message);
