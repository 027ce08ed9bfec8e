package org.cohort.coordinator.api;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cohort.coordinator.study.InvalidStudyException;
import org.cohort.coordinator.study.UnknownStudyException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/** Errors as JSON with a message that says what to do. */
@RestControllerAdvice
class ApiErrors {

    @ExceptionHandler(InvalidStudyException.class)
    ResponseEntity<Map<String, Object>> invalid(InvalidStudyException e) {
        return body(HttpStatus.BAD_REQUEST, e.getMessage(), e.problems());
    }

    @ExceptionHandler({UnknownStudyException.class, NotFoundException.class})
    ResponseEntity<Map<String, Object>> notFound(RuntimeException e) {
        return body(HttpStatus.NOT_FOUND, e.getMessage(), List.of());
    }

    @ExceptionHandler({IllegalArgumentException.class})
    ResponseEntity<Map<String, Object>> badRequest(RuntimeException e) {
        return body(HttpStatus.BAD_REQUEST, e.getMessage(), List.of());
    }

    /**
     * A body that is not JSON of the expected shape. Only the words of our own mappings (a privacy
     * mode, say) are repeated back; a parser's message would name internal classes.
     */
    @ExceptionHandler(HttpMessageNotReadableException.class)
    ResponseEntity<Map<String, Object>> unreadable(HttpMessageNotReadableException e) {
        Throwable cause = e.getMostSpecificCause();
        String why = cause instanceof IllegalArgumentException
                ? cause.getMessage()
                : "it is not JSON of the shape the API describes (see /v3/api-docs)";
        return body(HttpStatus.BAD_REQUEST, "the request body could not be read: " + why, List.of());
    }

    @ExceptionHandler(org.cohort.coordinator.grpc.GrpcServer.AgentPortNotOpen.class)
    ResponseEntity<Map<String, Object>> starting(RuntimeException e) {
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
                .header("Retry-After", "2")
                .body(body(HttpStatus.SERVICE_UNAVAILABLE, e.getMessage(), List.of())
                        .getBody());
    }

    @ExceptionHandler({IllegalStateException.class})
    ResponseEntity<Map<String, Object>> conflict(RuntimeException e) {
        return body(HttpStatus.CONFLICT, e.getMessage(), List.of());
    }

    private static ResponseEntity<Map<String, Object>> body(HttpStatus status, String message, List<String> problems) {
        var m = new LinkedHashMap<String, Object>();
        m.put("error", status.getReasonPhrase().toLowerCase());
        m.put("message", message);
        if (!problems.isEmpty()) {
            m.put("problems", problems);
        }
        return ResponseEntity.status(status).body(m);
    }

    /** A resource other than a study was not found. */
    public static class NotFoundException extends RuntimeException {
        public NotFoundException(String message) {
            super(message);
        }
    }
}
