//! The floors' thread structures ([`Floor`](crate::args::Floor)'s variants): each paces `getData`
//! requests with the harness's [`Pacer`], writes them and reads the replies in its own way,
//! feeding a [`Meter`], and ends the session when the window is over.

use std::io::Write;
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;
use zk_bench_harness::pace::Pacer;

use super::meter::Meter;
use super::wire::{read_frame, read_frame_async, reply_ok, Requests};

/// [`Floor::Blocking`](crate::args::Floor::Blocking): one thread, blocking calls.
pub(super) fn blocking(
    mut s: std::net::TcpStream,
    mut pacer: Pacer,
    mut requests: Requests,
    mut meter: Meter,
) -> Result<Meter, String> {
    let mut reply = Vec::new();
    loop {
        let start = pacer.next_start();
        if meter.ended(start) {
            // Best effort, as the measurement is done.
            let _ = s.write_all(&requests.close());
            let _ = s.set_read_timeout(Some(Duration::from_secs(1)));
            let _ = read_frame(&mut s, &mut reply);
            return Ok(meter);
        }
        let (frame, xid) = requests.next();
        s.write_all(frame).map_err(|e| e.to_string())?;
        read_frame(&mut s, &mut reply)?;
        meter.record(start, reply_ok(&reply, xid));
    }
}

/// Makes the blocking socket a tokio one.
fn into_tokio(s: std::net::TcpStream) -> Result<tokio::net::TcpStream, String> {
    s.set_nonblocking(true).map_err(|e| e.to_string())?;
    tokio::net::TcpStream::from_std(s).map_err(|e| e.to_string())
}

/// Ends the session on `s` once the run is over: `closeSession` out, then the replies still
/// due, up to the close's (best effort: the measurement is done).
async fn close_session(s: &mut tokio::net::TcpStream, requests: &mut Requests) {
    let frame = requests.close();
    let xid = requests.xid;
    let until_closed = async {
        s.write_all(&frame).await.map_err(|e| e.to_string())?;
        let mut reply = Vec::new();
        loop {
            read_frame_async(s, &mut reply).await?;
            if reply.get(..4) == Some(&xid.to_be_bytes()[..]) {
                return Ok::<(), String>(());
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), until_closed).await;
}

/// The harness's dispatcher thread: sends each slot's start time until the receiver is
/// dropped (then it ends at its next slot).
fn dispatcher(mut pacer: Pacer) -> mpsc::UnboundedReceiver<Instant> {
    let (tx, slots) = mpsc::unbounded_channel();
    std::thread::spawn(move || while tx.send(pacer.next_start()).is_ok() {});
    slots
}

/// [`Floor::TokioOneTask`](crate::args::Floor::TokioOneTask): a dispatcher thread hands slots to one
/// task that writes and reads.
pub(super) async fn tokio_one_task(
    s: std::net::TcpStream,
    pacer: Pacer,
    mut requests: Requests,
    mut meter: Meter,
) -> Result<Meter, String> {
    let mut s = into_tokio(s)?;
    let mut slots = dispatcher(pacer);
    let mut reply = Vec::new();
    while let Some(start) = slots.recv().await {
        if meter.ended(start) {
            break;
        }
        let (frame, xid) = requests.next();
        s.write_all(frame).await.map_err(|e| e.to_string())?;
        read_frame_async(&mut s, &mut reply).await?;
        meter.record(start, reply_ok(&reply, xid));
    }
    // Dropping `slots` ends the dispatcher thread at its next slot.
    drop(slots);
    close_session(&mut s, &mut requests).await;
    Ok(meter)
}

/// What the lane of [`Floor::TokioTwoTasks`](crate::args::Floor::TokioTwoTasks) sends the connection
/// task: a request frame and where its reply goes.
type Call = (
    Vec<u8>,
    tokio::sync::oneshot::Sender<Result<Vec<u8>, String>>,
);

/// [`Floor::TokioTwoTasks`](crate::args::Floor::TokioTwoTasks): a dispatcher thread hands slots to a
/// lane task, which passes each request to the connection task that owns the socket.
pub(super) async fn tokio_two_tasks(
    s: std::net::TcpStream,
    pacer: Pacer,
    mut requests: Requests,
    mut meter: Meter,
) -> Result<Meter, String> {
    let mut s = into_tokio(s)?;
    let (calls, mut incoming) = mpsc::unbounded_channel::<Call>();
    let connection = tokio::spawn(async move {
        while let Some((frame, reply)) = incoming.recv().await {
            let mut buf = Vec::new();
            let result = match s.write_all(&frame).await {
                Ok(()) => read_frame_async(&mut s, &mut buf).await.map(|()| buf),
                Err(e) => Err(e.to_string()),
            };
            let _ = reply.send(result);
        }
        s
    });
    let mut slots = dispatcher(pacer);
    while let Some(start) = slots.recv().await {
        if meter.ended(start) {
            break;
        }
        let (frame, xid) = requests.next();
        let (reply, answer) = tokio::sync::oneshot::channel();
        calls
            .send((frame.to_vec(), reply))
            .map_err(|_| "the connection task ended")?;
        let reply = answer.await.map_err(|_| "the connection task ended")??;
        meter.record(start, reply_ok(&reply, xid));
    }
    drop((calls, slots));
    let mut s = connection.await.map_err(|e| e.to_string())?;
    close_session(&mut s, &mut requests).await;
    Ok(meter)
}

/// [`Floor::CallerWrites`](crate::args::Floor::CallerWrites): the dispatcher thread writes each
/// request; one task reads the replies in order.
pub(super) async fn caller_writes(
    s: std::net::TcpStream,
    mut pacer: Pacer,
    mut requests: Requests,
    mut meter: Meter,
) -> Result<Meter, String> {
    let mut writer = s.try_clone().map_err(|e| e.to_string())?;
    let mut reader = into_tokio(s)?;
    let (tx, mut sent) = mpsc::unbounded_channel();
    let dispatcher = std::thread::spawn(move || {
        loop {
            let start = pacer.next_start();
            let (frame, xid) = requests.next();
            // Queued before the write, so a reply always finds its entry: the reader never
            // waits on the channel, and this send never has to wake it (that would be a third
            // wake-up per operation).
            if tx.send(Ok((start, xid))).is_err() {
                break;
            }
            // The socket is non-blocking (shared with the reader); a ~40-byte request fits in
            // the send buffer unless the server stopped reading, which ends the run.
            if let Err(e) = writer.write_all(frame) {
                // Ends the reader's wait for a reply that will not come.
                let _ = writer.shutdown(std::net::Shutdown::Both);
                let _ = tx.send(Err(format!("writing a request: {e}")));
                break;
            }
        }
        requests
    });
    let mut reply = Vec::new();
    let measured = loop {
        if let Err(read) = read_frame_async(&mut reader, &mut reply).await {
            // A failed write explains a failed read.
            let write = std::iter::from_fn(|| sent.try_recv().ok()).find_map(Result::err);
            break Err(write.unwrap_or(read));
        }
        let (start, xid) = match sent.recv().await {
            Some(Ok(entry)) => entry,
            Some(Err(write)) => break Err(write),
            None => break Err("the dispatcher thread stopped".to_owned()),
        };
        if meter.ended(start) {
            break Ok(());
        }
        meter.record(start, reply_ok(&reply, xid));
    };
    // The dispatcher stops at its next slot, before writing again; then the socket is ours.
    drop(sent);
    let mut requests = tokio::task::spawn_blocking(move || dispatcher.join())
        .await
        .map_err(|e| e.to_string())?
        .map_err(|_| "the dispatcher thread panicked")?;
    measured?;
    close_session(&mut reader, &mut requests).await;
    Ok(meter)
}
