//! Waiting on something else from a handler, always with a deadline: an actor that does not
//! answer in time, an actor that is gone, or a store that hangs is a 503, never a 500 and never
//! a request that waits forever.

use std::future::Future;
use std::time::Duration;

use ractor::rpc::CallResult;
use ractor::{ActorRef, Message, RpcReplyPort};

use super::error::ApiError;

/// Sends `actor` the message `build` makes and waits at most `timeout` for the reply.
/// `who` names the actor in the error message (`"the supervisor"`).
pub async fn ask<M, T>(
    actor: &ActorRef<M>,
    who: &str,
    timeout: Duration,
    build: impl FnOnce(RpcReplyPort<T>) -> M,
) -> Result<T, ApiError>
where
    M: Message,
    T: Send + 'static,
{
    match actor.call(build, Some(timeout)).await {
        Ok(CallResult::Success(answer)) => Ok(answer),
        Ok(CallResult::Timeout) => {
            Err(ApiError::Unavailable(format!("{who} did not answer within {} ms", timeout.as_millis())))
        }
        Ok(CallResult::SenderError) => Err(ApiError::Unavailable(format!("{who} dropped the request"))),
        Err(_) => Err(ApiError::Unavailable(format!("{who} is not running"))),
    }
}

/// Runs `work` (a store call) for at most `timeout`; `what` says what was being done.
pub async fn within<T, E>(
    timeout: Duration,
    what: &str,
    work: impl Future<Output = Result<T, E>>,
) -> Result<T, ApiError>
where
    ApiError: From<E>,
{
    match tokio::time::timeout(timeout, work).await {
        Ok(result) => result.map_err(ApiError::from),
        Err(_) => Err(ApiError::Unavailable(format!("{what} took longer than {} ms", timeout.as_millis()))),
    }
}
